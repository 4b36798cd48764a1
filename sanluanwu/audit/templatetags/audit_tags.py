from __future__ import annotations

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from sanluanwu.audit.display import action_label as _action_label
from sanluanwu.audit.display import object_type_label as _object_type_label
from sanluanwu.core.masking import mask_field

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)


@register.filter
def object_type_label(object_type: str) -> str:
    return _object_type_label(object_type)


@register.filter
def field_label(field: str, object_type: str) -> str:
    """The model field's Chinese verbose name, so the timeline reads 计划完成时间, not planned_completion."""
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(field).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return field


@register.simple_tag
def change_value(object_type: str, field: str, value: object) -> str:
    """A changed value as the user reads it: choice labels (关停取缔, not shutdown), 是/否, （空） for nothing; a phone
    or ID number masked (core.masking: the timeline is an output like any other)."""
    value = mask_field(object_type, field, value)
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    try:
        model_field = apps.get_model(object_type)._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        return str(value)
    choices = dict((str(k), v) for k, v in (getattr(model_field, "choices", None) or []))
    return str(choices.get(str(value), value))


def _side(pair: object, index: int) -> object:
    """pair.0 / pair.1 as the template read them: the item, or "" when there is none."""
    try:
        return pair[index]  # type: ignore[index]
    except (TypeError, IndexError, KeyError):
        return ""


@register.filter
def change_rows(event: object) -> list[tuple[str, str, str]]:
    """(field label, old value, new value) of each change of an event, as the timeline shows them. One call per event
    instead of `pair.0` and `pair.1` in the template: a list's `.0` failed as a key and an attribute before the index
    lookup, and each failure asked dir() of the list (48 a case page, a tenth of its rendering)."""
    object_type = str(getattr(event, "object_type", ""))
    changes = getattr(event, "changes", None) or {}
    if not isinstance(changes, dict):
        return []
    return [(field_label(field, object_type), change_value(object_type, field, _side(pair, 0)),
             change_value(object_type, field, _side(pair, 1))) for field, pair in changes.items()]  # fmt: skip
