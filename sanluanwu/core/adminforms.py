"""Text typed into the admin's forms is cleaned as every other path cleans it (core.text): control characters and
bidirectional overrides removed, a one-line field's spaces collapsed. A required field left with nothing but those
is refused on the form, in Chinese, instead of being stored as an invisible name (or failing in the service).

A rule a service refuses while the admin saves (a role 三员分立 forbids, found when the memberships are filed) is said on
the page the admin came from, nothing of the save kept (the admin saves in one transaction): never a server error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect

from sanluanwu.core.errors import DomainError
from sanluanwu.core.text import clean_multiline, clean_text

EMPTY_TEXT = "不能为空（只有空格或控制字符的内容不能保存）"


class CleanTextFormMixin:
    """For a ModelForm: every text field's value cleaned before the model sees it (passwords excepted)."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        for name, value in list(cleaned.items()):
            field = fields.get(name)
            if not isinstance(value, str) or not isinstance(field, forms.CharField):
                continue
            if isinstance(field.widget, forms.PasswordInput):
                continue
            text = clean_multiline(value) if isinstance(field.widget, forms.Textarea) else clean_text(value)
            if field.required and not text:
                self.add_error(name, EMPTY_TEXT)  # type: ignore[attr-defined]
                continue
            cleaned[name] = text
        return cleaned


class CleanTextAdminMixin:
    """For a ModelAdmin: its form (and its inlines' forms) clean text as CleanTextFormMixin does."""

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return type(form.__name__, (CleanTextFormMixin, form), {})

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:  # for an InlineModelAdmin
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = type(formset.form.__name__, (CleanTextFormMixin, formset.form), {})
        return formset

    def changeform_view(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # for a ModelAdmin
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except DomainError as exc:  # raised out of the admin's transaction: nothing was saved
            messages.error(request, f"未保存：{exc.text}")
            return HttpResponseRedirect(request.get_full_path())
