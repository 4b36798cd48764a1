"""The value synonyms (a town's words for 整治类型, 营业执照, 2018-2019年整治方式) in the admin; every save and
delete goes through imports.services (checked against the column's values, audited), one at a time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from sanluanwu.core.adminforms import CleanTextAdminMixin
from sanluanwu.imports import services
from sanluanwu.imports.models import SYNONYM_VALUES, ValueSynonym, synonym_values


class ValueSynonymForm(forms.ModelForm[ValueSynonym]):
    value = forms.ChoiceField(label="对应取值", choices=[
        (ValueSynonym(field=field).get_field_display(), synonym_values(field)) for field in SYNONYM_VALUES
    ], help_text="须与“栏目”相符，如 整治类型 → 关停取缔")  # fmt: skip

    class Meta:
        model = ValueSynonym
        fields = ["field", "text", "value"]


@admin.register(ValueSynonym)
class ValueSynonymAdmin(CleanTextAdminMixin, admin.ModelAdmin[ValueSynonym]):
    form = ValueSynonymForm
    list_display = ["field", "text", "value_label"]
    list_filter = ["field"]
    search_fields = ["text"]

    @admin.display(description="对应取值")
    def value_label(self, obj: ValueSynonym) -> str:
        return obj.value_label

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, each through the service and audited
        return actions

    def save_model(self, request: HttpRequest, obj: ValueSynonym, form: Any, change: bool) -> None:
        services.save_value_synonym(actor=request.user, synonym=obj)

    def delete_model(self, request: HttpRequest, obj: ValueSynonym) -> None:
        services.delete_value_synonym(actor=request.user, synonym=obj)
