"""Form plumbing shared by every domain app's pages."""

from __future__ import annotations

from django import forms

from sanluanwu.core.errors import DomainError


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Put a service's errors next to the fields they name (the rest above the form)."""
    for name, messages in exc.errors.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)
