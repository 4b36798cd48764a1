"""Personal data in templates: {{ enterprise.phone|masked_phone }}, {{ case.progress_note|masked_text }}."""

from __future__ import annotations

from typing import Any

from django import template

from sanluanwu.core.masking import mask_phone, mask_text

register = template.Library()


@register.filter
def masked_phone(value: Any) -> str:
    return mask_phone(value)


@register.filter
def masked_text(value: Any) -> str:
    return mask_text(value)
