"""A list's rows serialised by a plan compiled once per answer from the serializer's own fields.

DRF's `Serializer.to_representation` spends most of a list answer on generic work repeated for every field of every
row: `_readable_fields` walks the fields, `get_attribute` inspects the signature of every value to see whether it is
a callable to call (`inspect.signature`), `PKOnlyObject`s are built for related ids. Here the same fields are read
through a plan made once: each field's attribute path, its `to_representation` (bound, so a masked or custom field
keeps its own), the nested serializers and the method fields. The answer is the one DRF gives, key for key: any value
the plan cannot read the plain way (a missing related object, a mapping) is read by the field itself, a masked serializer
(core.masking.MaskedSerializerMixin) is masked after the plan as the mixin does, and any other serializer that
overrides `to_representation` is left to DRF entirely. Tests: core/tests/test_fast_serializers.py
and the API tests, which compare with DRF.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

from sanluanwu.core.masking import PERSONAL_FIELDS, MaskedSerializerMixin, mask_field

Row = dict[str, Any]
_FAST = object()  # "read it the plain way" marker of a plan step
_DISPLAY = re.compile(r"get_(\w+)_display")
_GET_DISPLAY = Model._get_FIELD_display  # type: ignore[attr-defined]


def _is_simple_callable(value: Any) -> bool:
    # DRF calls functions, methods and partials (get_status_display) that take no argument; cheap test first.
    return (inspect.isfunction(value) or inspect.ismethod(value) or isinstance(value, functools.partial)) and (
        drf_fields.is_simple_callable(value)
    )


def _display_reader(attrs: list[str]) -> Callable[[Any], Any] | None:
    """`get_<field>_display` read from a label map made once per model, as Model._get_FIELD_display answers (it
    rebuilds the choices' map for every call)."""
    match = _DISPLAY.fullmatch(attrs[-1]) if attrs else None
    if match is None:
        return None
    head, method = attrs[:-1], attrs[-1]
    labels: dict[type, tuple[str, dict[Any, Any]]] = {}

    def read(instance: Any) -> Any:
        for attr in head:
            instance = getattr(instance, attr)
        model = type(instance)
        if model not in labels:
            found = next((k.__dict__[method] for k in model.__mro__ if method in k.__dict__), None)
            if not isinstance(found, functools.partialmethod) or found.func is not _GET_DISPLAY:
                raise LookupError(method)  # not Django's own display method: the field's own path reads it
            field = found.keywords["field"]
            labels[model] = (field.attname, dict(make_hashable(field.flatchoices)))
        attname, choices = labels[model]
        value = getattr(instance, attname)
        return force_str(choices.get(make_hashable(value), value), strings_only=True)

    return read


def _reader(attrs: list[str]) -> Callable[[Any], Any]:
    display = _display_reader(attrs)
    if display is not None:
        return display
    calls: dict[int, bool] = {}  # per step of the path: is its value a callable DRF would call? (asked once)

    def read(instance: Any) -> Any:
        for step, attr in enumerate(attrs):
            instance = getattr(instance, attr)  # AttributeError/ObjectDoesNotExist: the field's own path decides
            if callable(instance):
                call = calls.get(step)
                if call is None:
                    call = calls[step] = _is_simple_callable(instance)
                if call:
                    instance = instance()
        return instance

    return read


def _pk_reader(attrs: list[str]) -> Callable[[Any], Any]:
    head, last = attrs[:-1], attrs[-1]

    def read(instance: Any) -> Any:
        for attr in head:
            instance = getattr(instance, attr)
        return instance.serializable_value(last)

    return read


Step = tuple[str, Any, Callable[[Any], Any] | None, Callable[[Any], Any]]


def _plan(serializer: serializers.BaseSerializer[Any]) -> Callable[[Any], Row]:
    own = type(serializer).to_representation
    # A masked serializer (core.masking) is DRF's representation with its personal fields masked afterwards: the
    # plan does the same, so masking does not send every list back to the slow path.
    masked = own is MaskedSerializerMixin.to_representation
    if own is not serializers.Serializer.to_representation and not masked:
        return serializer.to_representation  # its own shape: not ours to second-guess
    steps: list[Step] = []
    for field in serializer._readable_fields:  # type: ignore[attr-defined]
        name = field.field_name
        if isinstance(field, (serializers.ListSerializer, relations.ManyRelatedField)):
            steps.append((name, field, None, field.to_representation))
        elif isinstance(field, serializers.Serializer):
            steps.append((name, field, _reader(field.source_attrs), _plan(field)))
        elif isinstance(field, serializers.SerializerMethodField):
            method = getattr(field.parent, field.method_name)
            steps.append((name, field, lambda instance: instance, method))
        elif type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None and field.source_attrs:
            steps.append((name, field, _pk_reader(field.source_attrs), lambda value: value))
        elif type(field) is serializers.CharField:
            steps.append((name, field, _reader(field.source_attrs), str))
        else:
            steps.append((name, field, _reader(field.source_attrs), field.to_representation))

    def represent(instance: Any) -> Row:
        row: Row = {}
        for name, field, read, to_representation in steps:
            if read is None:
                value = _FAST
            else:
                try:
                    value = read(instance)
                except Exception:  # the field's own reading decides: None, left out, or raised as DRF would
                    value = _FAST
            if value is _FAST:
                try:
                    value = field.get_attribute(instance)
                except drf_fields.SkipField:
                    continue
                if isinstance(value, relations.PKOnlyObject):
                    row[name] = None if value.pk is None else field.to_representation(value)
                    continue
            row[name] = None if value is None else to_representation(value)
        if masked:
            label = instance._meta.label_lower
            for name in row:
                if (label, name) in PERSONAL_FIELDS:
                    row[name] = mask_field(label, name, row[name])
        return row

    return represent


def represent_many(serializer: serializers.BaseSerializer[Any], items: Iterable[Any]) -> list[Row]:
    """What `serializer.data` would be for `items` (a ListSerializer made with many=True, context included)."""
    represent = _plan(serializer.child)  # type: ignore[attr-defined]
    return [represent(item) for item in items]
