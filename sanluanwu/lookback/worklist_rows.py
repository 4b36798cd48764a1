"""The inspector's work list rendered once in Python instead of by the template loop (as registry/list_rows.py does
for the case list).

An inspector's town has some 90 open places; per place the loop resolved two `{% url %}` tags, masked a CSRF token
and looked up a dozen variables: 61 ms of CPU a view under load, the costliest page an inspector opens. Here the two
links are prefixes reversed once, the token is masked once for the page (every form of a response may carry the same
one), and each place becomes one string. The markup and wording are the template's as it was (lookback tests and the
browser journey read them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from sanluanwu.core.masking import mask_text
from sanluanwu.lookback.templatetags.lookback_tags import distance_label

_MARK = 987654321  # a number no place id is compared with: only replaced by the real id below


def _prefix_suffix(name: str) -> tuple[str, str]:
    return tuple(reverse(name, args=[_MARK]).split(str(_MARK)))  # type: ignore[return-value]


def render_items(request: HttpRequest, items: Iterable[tuple[Any, float | None]]) -> SafeString:
    """The <li> of each (place, distance in metres or None), or the empty line."""
    detail, detail_end = _prefix_suffix("lookback:target_detail")
    start, start_end = _prefix_suffix("lookback:start")
    token = escape(get_token(request))
    out = []
    for target, distance in items:
        pk = int(target.pk)
        head = f'<a href="{detail}{pk}{detail_end}"><strong>{conditional_escape(mask_text(target.name))}</strong></a>'
        if distance is not None:
            head += f'\n      <span class="tag distance">{escape(distance_label(distance))}</span>'
        record = target.baseline_record
        what = f"2018-2019年{record.get_method_display()}" if record else target.get_kind_display()
        # The place's name and address masked like every page (a landlord's mobile typed after them).
        where = str(conditional_escape(mask_text(target.address)))
        if target.village:
            where += f"（{conditional_escape(target.village)}）"
        place = ""
        if target.longitude:
            place = (f'\n    <div class="muted small">登记位置：{conditional_escape(localize(target.longitude))}, '
                     f"{conditional_escape(localize(target.latitude))}</div>")  # fmt: skip
        out.append(
            f'  <li class="card work-item">\n'
            f'    <div class="work-head">{head}</div>\n'
            f'    <div class="muted">{conditional_escape(what)}</div>\n'
            f"    <div>{where}</div>{place}\n"
            f'    <form method="post" action="{start}{pk}{start_end}"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{token}"><button type="submit" class="primary start">开始检查</button></form>\n'
            f"  </li>\n"
        )
    if not out:
        return mark_safe('  <li class="empty">没有待排查的任务</li>\n')
    return mark_safe("".join(out))  # every value above is escaped
