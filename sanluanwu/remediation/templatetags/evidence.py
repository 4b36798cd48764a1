"""Where and when a photo was taken, against the case's place: under every evidence thumbnail."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from sanluanwu.core import geo

register = template.Library()


@register.filter
def taken(evidence: Any, case: Any) -> str:
    """ "11-02 10:00 · 距企业 35 米", "无拍摄时间 · 无位置" — the EXIF as the reviewer must weigh it."""
    when = timezone.localtime(evidence.taken_at).strftime("%m-%d %H:%M") if evidence.taken_at else "无拍摄时间"
    e = getattr(case, "enterprise", None)
    if evidence.longitude is None or evidence.latitude is None:
        where = "无位置"
    elif e is None or e.longitude is None or e.latitude is None:
        where = "有位置"
    else:
        metres = geo.distance_m(float(evidence.longitude), float(evidence.latitude), float(e.longitude),
                                float(e.latitude))  # fmt: skip
        where = f"距企业 {metres:,.0f} 米"
    return f"{when} · {where}"
