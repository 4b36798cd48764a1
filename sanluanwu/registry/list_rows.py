"""The list page's rows, rendered once in Python instead of by the template loop.

At 50 rows × 8 columns the template loop cost about 1,300 variable lookups, a chain of `{% if c.key == … %}` per
cell and a `reverse()` per row: two thirds of the page's time. Here each column's cell is one small function chosen
once per page, the detail link is a prefix reversed once, and each row becomes one safe string. The values still
come from the columns' definitions (registry.columns: `Column.cell`), so what a column shows is decided there only;
the wording and markup are the template's as it was (tests/browser and registry/tests/test_list_page read them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from sanluanwu.core.masking import mask_text
from sanluanwu.registry.choices import CaseStatus, category_short
from sanluanwu.registry.columns import Column

# One cell's inner HTML from (column value, case, the row's "overdue").
Cell = Callable[[Any, Any, bool], str]
_MARK = 987654321  # a number no case id is compared with: only replaced by the real id below

OVERDUE_TAG = ' <span class="tag warn">逾期</span>'


def _detail_link(value: Any, case: Any, overdue: bool, *, prefix: str, suffix: str) -> str:
    return f'<a href="{prefix}{case.pk}{suffix}">{conditional_escape(value)}</a>'


def _category(value: Any, case: Any, overdue: bool) -> str:
    return f'<span class="tag cat-{escape(case.lookback_category)}">{category_short(case.lookback_category)}</span>'


def _remediation_type(value: Any, case: Any, overdue: bool) -> str:
    return str(conditional_escape(value or "待确定"))


def _planned_completion(value: Any, case: Any, overdue: bool) -> str:
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}" if isinstance(value, dt.date) else ""
    return (text or "—") + (OVERDUE_TAG if overdue else "")


_STATUS_LABELS = dict(CaseStatus.choices)


def _progress(value: Any, case: Any, overdue: bool) -> str:
    shown = (
        case.stage if case.stage and case.status != CaseStatus.CLOSED else _STATUS_LABELS.get(case.status, case.status)
    )
    html = f'<span class="status st-{escape(case.status)}">{escape(shown)}</span>'
    if case.progress_note:
        html += f'<small class="muted">{escape(Truncator(mask_text(case.progress_note)).chars(40))}</small>'
    return html


def _text(value: Any, case: Any, overdue: bool) -> str:
    if type(value) is str and "\n" not in value and "\r" not in value:
        return str(escape(value))  # what linebreaksbr gives for one line of plain text, without its regex
    return str(linebreaksbr(value, autoescape=True) or "")


def _cell_for(column: Column) -> Cell:
    if column.key == "name":
        prefix, suffix = reverse("registry:case_detail", args=[_MARK]).split(str(_MARK))
        return lambda value, case, overdue: _detail_link(value, case, overdue, prefix=prefix, suffix=suffix)
    special: dict[str, Cell] = {
        "lookback_category": _category,
        "remediation_type": _remediation_type,
        "planned_completion": _planned_completion,
        "progress": _progress,
    }
    return special.get(column.key, _text)


def render_rows(cases: Iterable[Any], shown: Sequence[Column], today: dt.date) -> list[SafeString]:
    """One `<tr>` per case with the chosen columns' cells, as the list page shows them."""
    cells = [(column, escape(column.header), _cell_for(column)) for column in shown]
    rows = []
    for case in cases:
        overdue = case.is_overdue(today)
        parts = [f'<tr class="{"overdue" if overdue else ""}">']
        for column, label, cell in cells:
            parts.append(f'<td data-label="{label}">{cell(column.cell(case), case, overdue)}</td>')
        parts.append("</tr>")
        rows.append(mark_safe("".join(parts)))  # every value above is escaped
    return rows
