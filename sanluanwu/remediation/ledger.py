"""The ledger (台账) of a case: every step of its remediation with who and when, as a page and as a .docx; a town's
ledger is the same for each of its cases in one document. Higher apps add sections (the look-back inspections) by
registering a function, the way they add panels to the case page."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sanluanwu.accounts.scope import Scope
from sanluanwu.core import clock
from sanluanwu.core.masking import mask_text
from sanluanwu.remediation import queries

Row = tuple[str, str]  # (when / what, text)
LedgerSection = Callable[[Any], tuple[str, list[Row]] | None]
_SECTIONS: list[LedgerSection] = []


def register_ledger_section(section: LedgerSection) -> LedgerSection:
    if section not in _SECTIONS:
        _SECTIONS.append(section)
    return section


def _who(user: Any, when: Any) -> str:
    name = getattr(user, "display_name", "") or "—"
    if when is None:
        return name
    if hasattr(when, "hour"):
        when = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    else:
        when = when.strftime("%Y-%m-%d")
    return f"{name}，{when}"


def _photos(rows: list[Any]) -> str:
    if not rows:
        return "无照片"
    parts = []
    for e in rows:
        taken = timezone.localtime(e.taken_at).strftime("%Y-%m-%d %H:%M") if e.taken_at else "无拍摄时间"
        where = f"{e.longitude},{e.latitude}" if e.longitude is not None else "无拍摄位置"
        dup = "；" + "；".join(d["text"] for d in e.duplicates) if e.duplicates else ""
        parts.append(f"{e.original_name}（{taken}，{where}，SHA-256 {e.sha256[:12]}…{dup}）")
    return "照片 " + str(len(rows)) + " 张：" + "；".join(parts)


@dataclass
class CaseLedger:
    case: Any
    sections: list[tuple[str, list[Row]]] = field(default_factory=list)


def case_ledger(case: Any, scope: Scope) -> CaseLedger:
    w = queries.case_work(case, scope, with_actions=False)
    e = case.enterprise
    out = CaseLedger(case)
    out.sections.append(("企业基本情况", [
        ("企业名称", e.name), ("所属镇（街道）", case.town.name), ("详细地址", e.address),
        ("经纬度", f"{e.longitude}, {e.latitude}"), ("行业类别", e.industry),
        ("营业执照", e.get_licence_status_display()), ("回头看排查类型", case.get_lookback_category_display()),
        ("存在问题", "；".join(p for p in (case.env_problems, case.safety_problems, case.other_problems) if p) or "—"),
        ("列入名单日期", f"{case.listed_on:%Y-%m-%d}"), ("责任人", case.responsible_person),
        ("整治进度", case.progress_text),
    ]))  # fmt: skip
    for section in _SECTIONS:
        if extra := section(case):
            out.sections.append(extra)
    out.sections.append(("停产（先停后治）", [
        (f"{s.stopped_on:%Y-%m-%d} 停产", f"下令单位：{s.ordered_by or '—'}；文书编号：{s.document_no or '—'}；"
         f"{s.note or ''} 登记：{_who(s.recorded_by, s.recorded_at)}。{_photos(w.photos('stop', s.pk))}")
        for s in w.stops] or [("—", "尚未登记停产")]))  # fmt: skip
    out.sections.append(("整治类型认定", [
        (("转为" if c.is_conversion else "") + c.get_remediation_type_display(),
         f"理由：{c.reason}；计划完成 {c.planned_completion:%Y-%m-%d}；提出：{_who(c.proposed_by, c.proposed_at)}；"
         f"{c.lead_unit.name}{c.get_state_display()}" + (f"：{_who(c.decided_by, c.decided_at)}" if c.decided_by else "")
         + (f"；意见：{c.decision_note}" if c.decision_note else ""))
        for c in w.classifications] or [("—", "尚未提出")]))  # fmt: skip
    if w.active_tasks:  # the ledger is an export: a withdrawn task or plan is not in it (the case page shows them)
        out.sections.append(("关停取缔任务（两断三清及部门职责）", [
            (t.kind.label, f"{t.owner_unit.name}；期限 {t.due_on:%Y-%m-%d}；{t.get_state_display()}"
             + (f"；办理日期 {t.acted_on:%Y-%m-%d}" if t.acted_on else "")
             + (f"；户号或表号 {t.account_no}；止码 {t.final_reading}" if t.account_no else "")
             + (f"；文书编号 {t.document_no}" if t.document_no else "") + (f"；{t.note}" if t.note else "")
             + (f"；无法办理：{t.blocked_reason}" if t.blocked_reason else "")
             + (f"；办理人：{_who(t.done_by, t.done_at)}" if t.done_by else "") + "。" + _photos(w.photos("task", t.pk)))
            for t in w.active_tasks]))  # fmt: skip
    for p in w.active_plans:
        rows: list[Row] = [("状态", p.get_state_display()), ("责任人", p.responsible), ("治理目标", p.goal),
                           ("治理措施", p.measures), ("治理期限", f"{p.deadline:%Y-%m-%d}"),
                           ("编制", _who(p.created_by, p.created_at))]  # fmt: skip
        if p.decided_by:
            rows.append(("审批", f"{_who(p.decided_by, p.decided_at)}；{p.decision_note or '无意见'}"))
        for i in p.items.all():
            done = f"；完成 {i.done_on:%Y-%m-%d}：{i.note}（{_who(i.done_by, i.done_at)}）" if i.done_on else ""
            rows.append((i.get_category_display(), f"{i.text}（期限 {i.deadline:%Y-%m-%d}）{i.get_state_display()}{done}"
                         + ("。" + _photos(w.photos("plan_item", i.pk)) if i.done_on else "")))  # fmt: skip
        out.sections.append((f"整改方案第 {p.number} 版", rows))
    for r in w.reviews:
        rows = [("申请", _who(r.requested_by, r.requested_at))]
        if r.result:
            rows += [("审核日期", f"{r.reviewed_on:%Y-%m-%d}"), ("参加人员及单位", r.participants),
                     ("审核人", _who(r.reviewer, r.reviewed_at)), ("结论", f"{r.get_result_display()}：{r.reasons}")]  # fmt: skip
            for chk in r.checks.all():
                rows.append(
                    (chk.label, ("现场确认" if chk.confirmed else "未确认") + (f"：{chk.note}" if chk.note else ""))
                )
            rows.append(("审核照片", _photos(w.photos("review", r.pk))))
            if r.warnings:
                rows.append(("证据提示", "；".join(f"{x['name']}：{x['text']}" for x in r.warnings)))
                rows.append(("审核人对提示的说明", r.warnings_note or "—"))
        if r.signoff_state:
            rows.append(("牵头部门签认", r.get_signoff_state_display() + (
                f"：{r.signoff_unit.name if r.signoff_unit else ''} {_who(r.signoff_by, r.signoff_at)}"
                f"{'；' + r.signoff_note if r.signoff_note else ''}" if r.signoff_by else "")))  # fmt: skip
        out.sections.append(("现场审核与签认", rows))
    out.sections.append(("执法记录", [
        (f"{x.decided_on:%Y-%m-%d} {x.get_kind_display()}",
         f"{x.unit.name}；依据：{x.legal_basis}；文号：{x.document_no}" + (f"；罚款 {x.amount} 元" if x.amount else "")
         + f"；登记：{_who(x.recorded_by, x.recorded_at)}")
        for x in w.enforcements] or [("—", "无")]))  # fmt: skip
    # Phone and ID numbers typed into any of it (problems, notes, reasons) are masked, like every output.
    out.sections = [(title, [(what, mask_text(text)) for what, text in rows]) for title, rows in out.sections]
    return out


def docx_for(cases: list[Any], scope: Scope, *, title: str) -> bytes:
    """One .docx: a title, then per case a heading and a two-column table per section."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    style.font.size = Pt(10.5)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    doc.add_paragraph(f"生成时间：{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}　共 {len(cases)} 个整治对象").alignment = (
        WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    # Style ids looked up once and set on the XML: python-docx searches the styles by name on every assignment, which
    # was half the time of a town's ledger.
    h1, h2, grid = (doc.styles[name].style_id for name in ("Heading 1", "Heading 2", "Table Grid"))
    for n, case in enumerate(cases, start=1):
        ledger = case_ledger(case, scope)
        doc.add_paragraph(f"{n}. {case.enterprise.name}（{case.town.name}）")._p.style = h1
        for name, rows in ledger.sections:
            doc.add_paragraph(name)._p.style = h2
            table = doc.add_table(rows=0, cols=2)
            table._tbl.tblStyle_val = grid
            table.autofit = False
            for label, text in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label, text
            for column, width in zip(table.columns, (Cm(3.6), Cm(13.4)), strict=True):
                column.width = width  # the grid LibreOffice and Word lay out by
                for cell in column.cells:
                    cell.width = width
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
