"""Template filters of the registry, for every app's templates: one wording of the dynamic list everywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from sanluanwu.registry.choices import category_short as _category_short

register = template.Library()


@register.filter
def category_short(value: int | str | None) -> str:
    """{{ case.lookback_category|category_short }} → 第一类 (never 第1类)."""
    return _category_short(value)


@register.filter
def is_overdue(case: Any, today: dt.date) -> bool:
    """{% if case|is_overdue:today %}: open and past its planned completion (Case.is_overdue)."""
    return bool(case.is_overdue(today))
