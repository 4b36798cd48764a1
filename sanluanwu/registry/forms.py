"""HTML forms: they only shape input for the services; every rule lives in services/rules."""

from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.queries import towns_allowing, towns_visible_to
from sanluanwu.accounts.scope import Scope
from sanluanwu.core.errors import DomainError
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.registry import columns
from sanluanwu.registry.choices import CaseStatus, LookbackCategory, RemediationType, category_short
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
        self.warnings: list[dict[str, Any]] = []

    @classmethod
    def initial_from_case(cls, case: Case) -> dict[str, Any]:
        return {**case_values(case), "version": case.version}

    def to_inputs(self) -> tuple[EnterpriseInput, CaseInput]:
        return enterprise_input_from(self.cleaned_data), case_input_from(self.cleaned_data)

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service's errors next to the fields they name; keep the warnings for the page."""
        add_domain_errors(self, exc)
        self.warnings = exc.warnings


STATUS_FILTER_CHOICES = [("", "全部"), ("open", "未销号"), *CaseStatus.choices]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "企业名称、地址或负责人"})
    )
    town = forms.ModelChoiceField(
        label="镇（街道）", queryset=OrgUnit.objects.none(), required=False, empty_label="全部"
    )
    category = forms.TypedChoiceField(
        label="排查类型",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "全部"), *[(v, category_short(v)) for v in LookbackCategory.values]],
    )
    remediation_type = forms.ChoiceField(
        label="整治类型", required=False, choices=[("", "全部"), *RemediationType.choices]
    )
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_FILTER_CHOICES)
    overdue = forms.BooleanField(label="仅看逾期", required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns_visible_to(scope)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "town": d["town"].pk if d.get("town") else None,
            "category": d.get("category"),
            "remediation_type": d.get("remediation_type") or None,
            "status": d.get("status") or None,
            "overdue": bool(d.get("overdue")),
            "q": d.get("q") or None,
        }


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, widget=_TEXTAREA)
