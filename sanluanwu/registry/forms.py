"""HTML forms: they only shape input for the services; every rule lives in services/rules."""

from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.queries import towns_visible_to, towns_writable_by
from sanluanwu.accounts.scope import Scope
from sanluanwu.core import geo
from sanluanwu.core.errors import DomainError
from sanluanwu.core.forms import add_domain_errors
from sanluanwu.registry.choices import CaseStatus, LicenceStatus, LookbackCategory, RemediationType, category_short
from sanluanwu.registry.models import Case
from sanluanwu.registry.services import CaseInput, EnterpriseInput, case_input_from, case_values, enterprise_input_from

_TEXTAREA = forms.Textarea(attrs={"rows": 2})


class CaseForm(forms.Form):
    """One 附件2 row: the enterprise's columns and the case's, entered once."""

    name = forms.CharField(
        label="企业名称",
        max_length=200,
        help_text="有营业执照的按执照填写；无执照的按“负责人姓名+经营内容+作坊（或个体户）”填写",
    )
    industry = forms.CharField(label="行业类别", max_length=100)
    town = forms.ModelChoiceField(label="所属镇（街道）", queryset=OrgUnit.objects.none(), empty_label="请选择")
    village = forms.CharField(label="村（社区）", max_length=60, required=False)
    address = forms.CharField(label="详细地址", max_length=300)
    coordinates = forms.CharField(
        label="经纬度",
        max_length=100,
        help_text="如 119.9567, 31.7123 或 119°57′24″E, 31°42′44″N；先后顺序不限",
    )
    coord_datum = forms.ChoiceField(label="坐标系", choices=geo.DATUM_CHOICES, initial=geo.DATUM_WGS84)
    legal_person = forms.CharField(label="企业法人或负责人", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    licence_status = forms.ChoiceField(label="营业执照办理情况", choices=LicenceStatus.choices)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    lookback_category = forms.TypedChoiceField(
        label="属于“回头看”四种排查类型类别", coerce=int, choices=[("", "请选择"), *LookbackCategory.choices]
    )
    env_problems = forms.CharField(
        label="存在环境违法行为、环境风险问题情况", required=False, widget=_TEXTAREA, help_text="不存在此类问题的不填"
    )
    safety_problems = forms.CharField(label="存在安全隐患情况", required=False, widget=_TEXTAREA)
    other_problems = forms.CharField(label="存在其他问题情况", required=False, widget=_TEXTAREA)
    remediation_type = forms.ChoiceField(
        label="整治类型", required=False, choices=[("", "待确定"), *RemediationType.choices]
    )
    listed_on = forms.DateField(
        label="列入名单日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="不填则为今天",
    )
    planned_completion = forms.DateField(
        label="计划完成时间", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    progress_note = forms.CharField(label="整治进度说明", required=False, widget=_TEXTAREA)
    responsible_person = forms.CharField(label="责任人", max_length=50)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    acknowledge_warnings = forms.BooleanField(label="以上提示已核实，仍然保存", required=False)

    ENTERPRISE_FIELDS = [
        "name",
        "industry",
        "town",
        "village",
        "address",
        "coordinates",
        "coord_datum",
        "legal_person",
        "phone",
        "licence_status",
        "credit_code",
    ]
    CASE_FIELDS = [
        "lookback_category",
        "env_problems",
        "safety_problems",
        "other_problems",
        "remediation_type",
        "listed_on",
        "planned_completion",
        "progress_note",
        "responsible_person",
    ]

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns_writable_by(scope)  # type: ignore[attr-defined]
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
