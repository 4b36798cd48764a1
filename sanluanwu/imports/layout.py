"""Find the table in a sheet: where the header is (any of the first rows, possibly two merged rows),
which column holds which field, and which rows are data, notes or repeated headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sanluanwu.imports.parsing import key, text

HEADER_SCAN_ROWS = 30

# field → header texts (compared after key(): no spaces, half-width, no quotes). Exact match first,
# then "the header contains the synonym" for synonyms of four characters or more.
LIST_FIELDS: dict[str, list[str]] = {
    "seq": ["序号", "编号", "序"],
    "system_id": ["系统编号(请勿修改)", "系统编号", "系统id", "id"],
    "name": ["企业名称", "企业(作坊)名称", "企业作坊名称", "名称", "单位名称", "作坊名称", "企业名称(作坊)"],
    "industry": ["行业类别", "行业", "所属行业", "经营内容", "行业类型"],
    "address": ["详细地址", "地址", "经营地址", "所在地址", "生产经营地址"],
    "coordinates": ["经纬度", "坐标", "经纬度坐标", "gps坐标"],
    "longitude": ["经度", "东经"],
    "latitude": ["纬度", "北纬"],
    "legal_person": ["企业法人或负责人", "法人或负责人", "负责人", "法人", "法定代表人", "经营者", "业主", "法人代表"],
    "phone": ["联系电话", "电话", "联系方式", "手机"],
    "category": ["属于回头看四种排查类型类别", "四种排查类型类别", "排查类型类别", "排查类型", "回头看类型", "类别"],
    "licence_status": ["营业执照办理情况", "营业执照", "执照办理情况", "是否办理营业执照", "有无营业执照"],
    "credit_code": ["统一社会信用代码", "信用代码", "社会信用代码"],
    "env_problems": ["存在环境违法行为、环境风险问题情况", "存在环境违法行为环境风险问题情况", "环境违法行为、环境风险问题",
                     "环境问题", "环境违法行为", "存在问题环境"],
    "safety_problems": ["存在安全隐患情况", "安全隐患", "安全问题", "存在问题安全"],
    "other_problems": ["存在其他问题情况", "其他问题", "存在问题其他"],
    "remediation_type": ["整治类型", "整治方式", "整改类型", "处置类型"],
    "planned_completion": ["计划完成时间", "完成时限", "计划完成日期", "整治期限", "完成时间"],
    "progress": ["整治进度", "进度", "整治情况", "整改进度", "完成情况"],
    "responsible_person": ["责任人", "包保责任人", "镇级责任人", "责任人姓名"],
    "town": ["所属镇(街道)", "镇(街道)", "镇街", "所属镇街", "属地", "镇(街道、开发区)", "板块"],
    "village": ["村(社区)", "所属村(社区)", "村居", "所在村"],
}  # fmt: skip

BASELINE_FIELDS: dict[str, list[str]] = {
    "seq": LIST_FIELDS["seq"],
    "system_id": LIST_FIELDS["system_id"],
    "name": LIST_FIELDS["name"],
    "industry": LIST_FIELDS["industry"],
    "address": LIST_FIELDS["address"],
    "coordinates": LIST_FIELDS["coordinates"],
    "longitude": LIST_FIELDS["longitude"],
    "latitude": LIST_FIELDS["latitude"],
    "legal_person": LIST_FIELDS["legal_person"],
    "phone": LIST_FIELDS["phone"],
    "licence_status": LIST_FIELDS["licence_status"],
    "credit_code": LIST_FIELDS["credit_code"],
    "town": LIST_FIELDS["town"],
    "village": LIST_FIELDS["village"],
    "method": ["整治方式", "整治类型", "整治措施", "处置方式", "整治情况", "整治结果", "2018-2019年整治方式"],
    "completed_on": ["完成时间", "整治完成时间", "完成日期", "销号时间", "整治时间"],
}

FIELD_LABELS = {
    "seq": "序号", "system_id": "系统编号", "name": "企业名称", "industry": "行业类别", "address": "详细地址",
    "coordinates": "经纬度", "longitude": "经度", "latitude": "纬度", "legal_person": "企业法人或负责人",
    "phone": "联系电话", "category": "排查类型类别", "licence_status": "营业执照办理情况",
    "credit_code": "统一社会信用代码", "env_problems": "环境违法行为、环境风险问题", "safety_problems": "安全隐患",
    "other_problems": "其他问题", "remediation_type": "整治类型", "planned_completion": "计划完成时间",
    "progress": "整治进度", "responsible_person": "责任人", "town": "所属镇（街道）", "village": "村（社区）",
    "method": "2018-2019年整治方式", "completed_on": "完成时间", "ignore": "（不导入）",
}  # fmt: skip
REQUIRED = {"list": {"name"}, "baseline": {"name"}}


def fields_for(kind: str) -> dict[str, list[str]]:
    return LIST_FIELDS if kind == "list" else BASELINE_FIELDS


@dataclass
class Layout:
    header_rows: list[int]  # 0-based sheet rows that form the header
    columns: dict[int, str]  # column index → field
    headers: dict[int, str]  # column index → header text as written
    unknown: dict[int, str] = field(default_factory=dict)  # columns with a header we could not map
    header_keys: dict[int, str] | None = None  # filled on first use by row_kind()

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1

    @property
    def by_field(self) -> dict[str, int]:
        """field → column index (the inverse of `columns`)."""
        return {f: c for c, f in self.columns.items()}


_NORMALISED: dict[int, tuple[dict[str, str], list[tuple[str, str]]]] = {}


def _normalised(synonyms: dict[str, list[str]]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Exact-match table and the long synonyms for containment, computed once per field table."""
    cached = _NORMALISED.get(id(synonyms))
    if cached is None:
        exact: dict[str, str] = {}
        long: list[tuple[str, str]] = []
        for fname, words in synonyms.items():
            for w in words:
                kw = key(w)
                exact.setdefault(kw, fname)
                if len(kw) >= 4:
                    long.append((kw, fname))
        long.sort(key=lambda item: -len(item[0]))
        cached = _NORMALISED[id(synonyms)] = (exact, long)
    return cached


def _match(header: str, synonyms: dict[str, list[str]]) -> str | None:
    k = key(header).replace("（", "(").replace("）", ")")
    if not k:
        return None
    exact, long = _normalised(synonyms)
    if k in exact:
        return exact[k]
    return next((fname for kw, fname in long if kw in k), None)


def _cell(rows: list[list[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _map_row(rows: list[list[Any]], header_rows: list[int], synonyms: dict[str, list[str]]) -> Layout:
    width = max((len(rows[r]) for r in header_rows if r < len(rows)), default=0)
    columns: dict[int, str] = {}
    headers: dict[int, str] = {}
    unknown: dict[int, str] = {}
    for c in range(width):
        parts: list[str] = []
        for r in header_rows:
            t = key(_cell(rows, r, c))
            if t and t not in parts:
                parts.append(t)
        if not parts:
            continue
        joined = "".join(parts)
        # Try the lowest header cell alone (sub-header of a merged group), then the joined text.
        fname = _match(parts[-1], synonyms) if len(parts) > 1 else None
        fname = fname or _match(joined, synonyms)
        written: list[str] = []
        for r in header_rows:
            t = text(_cell(rows, r, c))
            if t and t not in written:
                written.append(t)
        headers[c] = " / ".join(written)
        if fname and fname not in columns.values():
            columns[c] = fname
        elif not fname:
            unknown[c] = headers[c]
    return Layout(header_rows, columns, headers, unknown)


def find_layout(rows: list[list[Any]], kind: str, mapping: dict[int, str] | None = None) -> Layout | None:
    """The header rows and column map scoring best among the first rows (one row or two merged rows)."""
    synonyms = fields_for(kind)
    best: tuple[int, Layout] | None = None
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        for header_rows in ([r], [r, r + 1]):
            if header_rows[-1] >= len(rows):
                continue
            layout = _map_row(rows, header_rows, synonyms)
            score = len(layout.columns) * 10 - len(layout.unknown) - (len(header_rows) - 1) * 5
            if "name" in layout.columns.values() and (best is None or score > best[0]):
                best = (score, layout)
    if best is None or len(best[1].columns) < 3:
        return None
    layout = best[1]
    if mapping:
        for c, fname in mapping.items():
            layout.unknown.pop(c, None)
            for other, f in list(layout.columns.items()):
                if f == fname and other != c:
                    del layout.columns[other]
            if fname == "ignore":
                layout.columns.pop(c, None)
            else:
                layout.columns[c] = fname
    return layout


def row_kind(row: list[Any], layout: Layout) -> str:
    """data, blank, note (填写说明 and other merged text rows) or header (a repeated header row)."""
    cells = [row[c] if c < len(row) else None for c in layout.columns]
    filled = [v for v in cells if v is not None and (not isinstance(v, str) or v.strip())]
    if not filled:
        return "blank"
    if layout.header_keys is None:
        layout.header_keys = {c: key(layout.headers.get(c, "").split(" / ")[-1]) for c in layout.columns}
    name_col = next((c for c, f in layout.columns.items() if f == "name"), None)
    name_value = row[name_col] if name_col is not None and name_col < len(row) else None
    name_header = layout.header_keys.get(name_col or 0, "")
    # A cell can only repeat the header if it holds the header's last Chinese character (which NFKC leaves alone):
    # this skips key() for the real names, every row.
    probe = next((ch for ch in reversed(name_header) if "\u4e00" <= ch <= "\u9fff"), "")
    if isinstance(name_value, str) and probe in name_value and key(name_value) == name_header:
        # The name cell repeats its header: a repeated header row if most other cells do too.
        same_as_header = sum(1 for c, v in zip(layout.columns, cells, strict=False)
                             if isinstance(v, str) and v and key(v) == layout.header_keys[c])  # fmt: skip
        if same_as_header >= max(3, len(filled) // 2):
            return "header"
    first = next((v for v in row if v is not None and str(v).strip()), "")
    if not isinstance(first, str):
        return "data"  # a row led by a number (序号) or a date is never a note
    first_key = key(first)
    if first_key.startswith(("填写说明", "说明:", "注:", "备注:")):
        return "note"
    if len(filled) >= 3 and all(v == filled[0] for v in filled) and isinstance(filled[0], str):
        return "note"
    if len(filled) == 1 and _looks_like_note(first_key) and not _cell_for(row, layout, "name"):
        return "note"
    return "data"


def _cell_for(row: list[Any], layout: Layout, fname: str) -> Any:
    for c, f in layout.columns.items():
        if f == fname:
            return row[c] if c < len(row) else None
    return None


def _looks_like_note(text: str) -> bool:
    return len(text) > 15 and (text[:1].isdigit() or text.startswith(("填写", "说明", "注")))
