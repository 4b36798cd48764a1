from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def distance_label(metres: float | None) -> str:
    """12 米, 850 米, 3.3 公里."""
    if metres is None:
        return ""
    return f"{metres:.0f} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里"
