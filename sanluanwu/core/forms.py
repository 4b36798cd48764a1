"""Form plumbing shared by every domain app's pages."""

from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.core import params
from sanluanwu.core.errors import DomainError


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Put a service's errors next to the fields they name (the rest above the form)."""
    for name, messages in exc.errors.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)


class BoundedDateTimeField(forms.DateTimeField):
    """A date-time within params.DATE_RANGE: year 1 is refused with a message, never an overflow (a 500)."""

    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(f"时间不在合理范围内（{params.DATE_RANGE_TEXT}），请检查年份") from None
        message = params.date_error(result, str(self.label or "时间"))
        if message:
            raise forms.ValidationError(message)
        return result


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A model choice field's options read as one list. Django's own iterator calls `queryset.iterator()`, which on
    PostgreSQL opens a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE) for what is a dozen org units, on
    every view of a page with such a menu."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # evaluated once, cached on the field's queryset
            yield self.choice(obj)
