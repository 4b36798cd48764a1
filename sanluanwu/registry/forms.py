"""HTML forms: they only shape input for the services; every rule lives in services/rules."""

from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.accounts.queries import towns_allowing
from sanluanwu.accounts.scope import Scope
from sanluanwu.core.errors import DomainError
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.core.masking import MASKS
from sanluanwu.registry import columns
from sanluanwu.registry.models import Case
from sanluanwu.registry.services import CaseInput, EnterpriseInput, case_input_from, case_values, enterprise_input_from

_TEXTAREA = forms.Textarea(attrs={"rows": 2})


class CaseForm(forms.Form):
    """One 附件2 row: the enterprise's columns and the case's, entered once. Fields come from registry.columns."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    acknowledge_warnings = forms.BooleanField(label="以上提示已核实，仍然保存", required=False)

    ENTERPRISE_FIELDS = columns.ENTERPRISE_INPUTS
    CASE_FIELDS = columns.CASE_INPUTS

    def __init__(self, *args: Any, scope: Scope, permission: str = "case.create", **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key in [*columns.ENTERPRISE_INPUTS, *columns.CASE_INPUTS]:
            self.fields[key] = columns.form_field(key)
        self.fields["town"].queryset = towns_allowing(scope, permission)  # type: ignore[attr-defined]
        self.editing = permission == "case.edit"
        self.warnings: list[dict[str, Any]] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # An edit is checked against the version it was made on (someone may have saved since): never without it.
        if self.editing and data.get("version") is None and "version" not in self.errors:
            raise forms.ValidationError("缺少记录版本号，无法确认您编辑的是最新内容：请刷新页面后重新编辑")
        return data

    @classmethod
    def initial_from_case(cls, case: Case) -> dict[str, Any]:
        """The edit form shows every personal field masked like every page (the phone, a number in the address, the
        person or a problem); sent back unchanged or edited around the numbers it keeps them (services._keep_masked).
        Whoever needs the clear number reveals it, audited."""
        values = case_values(case)
        for key, kind in columns.PERSONAL.items():
            if isinstance(values.get(key), str) and values[key]:
                values[key] = MASKS[kind](values[key])
        return {**values, "version": case.version}

    def to_inputs(self) -> tuple[EnterpriseInput, CaseInput]:
        return enterprise_input_from(self.cleaned_data), case_input_from(self.cleaned_data)

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service's errors next to the fields they name; keep the warnings for the page."""
        add_domain_errors(self, exc)
        self.warnings = exc.warnings


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, widget=_TEXTAREA)
