"""Word documents written from the records: a draft 工作简讯 from a period's figures (the unit edits it) and the
campaign summary (总结考评). python-docx, 仿宋/黑体 as official documents are set, no figure typed by hand."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sanluanwu.reporting import figures as fig
from sanluanwu.reporting.choices import FIGURES
from sanluanwu.reporting.summary import COLUMNS, CampaignSummary


def _cn(day: dt.date) -> str:
    """2020年7月5日, as official documents write a date (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _document() -> Any:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    style.font.size = Pt(14)
    for section in doc.sections:
        section.top_margin = section.bottom_margin = Cm(3.2)
        section.left_margin = section.right_margin = Cm(2.6)
    return doc


def _title(doc: Any, text: str, size: int = 20) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = True
    run.font.name = "SimHei"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "黑体")


def _centered(doc: Any, text: str, size: int = 14) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(text).font.size = Pt(size)


def _para(doc: Any, text: str, *, heading: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(28)
    p.paragraph_format.line_spacing = Pt(28)
    run = p.add_run(text)
    if heading:
        run.font.name = "SimHei"
        run._element.rPr.rFonts.set(qn("w:eastAsia"), "黑体")


def _table(doc: Any, header: list[str], rows: list[list[Any]], size: float = 9) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(size)


def _figure_words(counts: dict[str, int], previous: dict[str, int] | None) -> str:
    parts = []
    for key, label in FIGURES:
        value = counts.get(key, 0)
        change = fig.change_text(value, previous.get(key) if previous is not None else None)
        suffix = "" if change in ("—", "0") else f"（较上期{change}）"
        parts.append(f"{label.replace('（累计）', '')}{value}家{suffix}")
    rate = fig.rate_text(fig.rate(counts.get("closed", 0), counts.get("listed", 0)))
    return "，".join(parts) + f"，销号完成率{rate}"


def brief_draft(
    *,
    unit_name: str,
    period_label: str,
    as_of: dt.date,
    figures: dict[str, Any],
    previous: dict[str, Any] | None,
    previous_label: str,
    notable: list[str],
    issue_no: int,
    whole: str = "全区",
) -> bytes:
    """A draft 工作简讯: title, issuing unit and date, a paragraph of figures per category with the change since the
    last report, notable cases. The unit edits it before submitting (nothing here is submitted by itself)."""
    doc = _document()
    _title(doc, "“散乱污”整治“回头看”工作简讯", 22)
    _centered(doc, f"第{issue_no}期")
    _centered(doc, f"{unit_name}                {_cn(as_of)}", 12)
    _para(doc, f"截至{as_of.month}月{as_of.day}日，{unit_name}“散乱污”企业（作坊）整治“回头看”专项行动（{period_label}）进展如下。"
               + (f"“较上期”均与{previous_label}报表相比。" if previous is not None else ""))  # fmt: skip
    total = figures.get("total", fig.empty())
    _para(doc, "一、总体情况", heading=True)
    _para(
        doc,
        f"{whole}动态管理名单共{_figure_words(total, (previous or {}).get('total'))}。",
    )
    _para(doc, "二、分类推进情况", heading=True)
    for key, _short, label in fig.CATEGORY_ROWS:
        counts = figures.get("category", {}).get(key, fig.empty())
        before = (previous or {}).get("category", {}).get(key) if previous is not None else None
        if not counts.get("listed") and not (before or {}).get("listed"):
            _para(doc, f"{label.replace('：', '（', 1)}）：未发现。")
            continue
        _para(doc, f"{label.replace('：', '（', 1)}）：{_figure_words(counts, before)}。")
    for key, short, _label in fig.TYPE_ROWS[:2]:
        counts = figures.get("type", {}).get(key, fig.empty())
        _para(doc, f"其中{short}类{counts.get('listed', 0)}家，已销号{counts.get('closed', 0)}家。")
    _para(doc, "三、典型做法和案例", heading=True)
    for line in notable or ["（请补充本期典型做法、典型案例和下一步工作安排。）"]:
        _para(doc, line)
    _para(doc, "四、下一步工作", heading=True)
    _para(doc, "（请补充。）")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def summary_docx(summary: CampaignSummary) -> bytes:
    """The campaign summary: text with the district's figures, then tables per unit, enforcement and reporting."""
    d = summary.district
    v = d.values
    doc = _document()
    _title(doc, f"{summary.campaign.name}工作总结", 18)
    _centered(doc, f"（根据系统记录生成，截至{_cn(summary.as_of)}）", 12)
    _para(doc, "一、基本情况", heading=True)
    _para(doc, f"专项行动自{_cn(summary.campaign.starts_on)}至{_cn(summary.campaign.ends_on)}。"
               f"全区共有应排查场所{v.get('targets', 0)}处，已完成排查{v.get('inspected', 0)}处；发现并列入动态管理名单"
               f"{v.get('found', 0)}家，其中" + "、".join(f"{label}{v.get(key, 0)}家" for key, label in COLUMNS[3:7]) + "。")  # fmt: skip
    _para(doc, "二、整治情况", heading=True)
    _para(doc, f"已停产{v.get('stopped', 0)}家；认定关停取缔{v.get('shutdown', 0)}家，其中两断三清完成"
               f"{v.get('shutdown_done', 0)}家；认定治理改造{v.get('rectification', 0)}家，其中完成并销号"
               f"{v.get('rectified', 0)}家。累计销号{v.get('closed', 0)}家，尚未销号{v.get('open', 0)}家，"
               f"销号后复发{v.get('relapsed', 0)}家，销号完成率"
               f"{fig.rate_text(fig.rate(v.get('closed', 0), v.get('found', 0)))}。")  # fmt: skip
    _para(doc, "三、从严执法", heading=True)
    _para(doc, f"各部门共登记执法{v.get('enforcements', 0)}件，罚款{d.cell('fines')}元。")
    _table(doc, ["执法类别", "件数", "罚款（元）"], [[k, n, f"{a:.2f}"] for k, n, a in summary.enforcement_kinds], 10)
    _para(doc, "四、报送情况", heading=True)
    r = summary.rates
    _para(doc, f"已到期的半月报表应报{r.expected}份，已报{r.submitted}份（按时{r.on_time}份，逾期{r.late}份），"
               f"未报{r.missing}份；报送完整率{r.completeness}，及时率{r.timeliness}。")  # fmt: skip
    _para(doc, "五、各单位情况", heading=True)
    keys = ["inspected", "found", "stopped", "shutdown_done", "rectified", "closed", "open", "relapsed", "enforcements"]
    labels = dict(COLUMNS)
    _table(doc, ["单位", *[labels[k] for k in keys], "及时率/完整率"],
           [[u.name, *[u.cell(k) for k in keys], u.cell("completeness")] for u in [*summary.units, d]], 8)  # fmt: skip
    _para(doc, "六、经验做法和长效机制", heading=True)
    _para(doc, "（请各单位补充经验做法、存在问题和建立长效机制的措施。）")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
