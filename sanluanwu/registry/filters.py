"""The dynamic list's filters and sort orders, defined once (django-filter): the list page, the API list and the
附件2 export filter through the same FilterSet, so they cannot disagree on what a parameter means.

A bad value is an error shown to the user (400 in the API and the export), never a reason to drop every filter
and show the user's whole scope; a town the user may not see answers 404 like any record out of scope.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case as When_
from django.db.models import F, IntegerField, QuerySet, When
from django.http import Http404

from sanluanwu.accounts.queries import towns_visible_to
from sanluanwu.accounts.scope import Scope
from sanluanwu.core import clock
from sanluanwu.core import params as core_params
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.forms import ListedChoiceIterator
from sanluanwu.core.widgets import FastSelect
from sanluanwu.registry.choices import OPEN_STATUSES, CaseStatus, LookbackCategory, RemediationType, category_short
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.registry.queries import search_key

_STATUS_RANK = When_(*[When(status=s, then=i) for i, s in enumerate(CaseStatus.values)], output_field=IntegerField())
# Sort orders (the list's column headers; "-" reverses). Each ends on id, so equal values keep a stable order.
SORTS: dict[str, tuple[str, list[Any]]] = {
    "name": ("企业名称", ["enterprise__name", "id"]),
    "town": ("镇（街道）", ["town__sort_order", "id"]),
    "industry": ("行业类别", ["enterprise__industry", "id"]),
    "lookback_category": ("排查类型", ["lookback_category", "id"]),
    "remediation_type": ("整治类型", ["remediation_type", "id"]),
    "planned_completion": ("计划完成时间", ["planned_completion", "id"]),
    "progress": ("整治进度", [_STATUS_RANK, "id"]),
    "responsible_person": ("责任人", ["responsible_person", "id"]),
    "listed_on": ("列入名单日期", ["listed_on", "id"]),
}
SORT_CHOICES = [("", "最新列入在前")] + [
    choice
    for key, (label, _o) in SORTS.items()
    for choice in ((key, f"{label}（升序）"), (f"-{key}", f"{label}（降序）"))
]


def ordering(sort: str) -> list[Any]:
    """The ORDER BY of a sort key ("-planned_completion" reverses); empty values sort last either way."""
    key = sort.removeprefix("-")
    fields = SORTS[key][1]
    out = []
    for f in fields:
        expr = F(f) if isinstance(f, str) else f
        out.append(expr.desc(nulls_last=True) if sort.startswith("-") else expr.asc(nulls_last=True))
    return out


class StrictBooleanField(forms.Field):
    """A yes/no parameter that refuses anything else ("maybe" is an error, not silently yes or no)."""

    widget = forms.CheckboxInput
    TRUE, FALSE = {"1", "true", "on", "yes"}, {"", "0", "false", "off", "no"}

    def to_python(self, value: Any) -> bool | None:
        text = str(value).strip().lower() if value not in (None, True, False) else value
        if value is True or text in self.TRUE:
            return True
        if value in (None, False) or text in self.FALSE:
            return None
        raise forms.ValidationError(f"“{str(value)[:20]}”不是有效的取值，应为 1（是）或 0（否）")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class _RawCheckbox(forms.CheckboxInput):
    """The checkbox on the page; the parameter's text is passed on as given so the field can refuse nonsense."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": "企业名称、地址、负责人或责任人"}))  # fmt: skip
    # FastSelect: the filter menus drawn without a template per option (core.widgets), on every view of the list.
    town = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=None, empty_label="全部", widget=FastSelect)
    category = django_filters.ChoiceFilter(
        label="排查类型", field_name="lookback_category", empty_label="全部", widget=FastSelect,
        choices=[(str(v), category_short(v)) for v in LookbackCategory.values],
    )  # fmt: skip
    remediation_type = django_filters.ChoiceFilter(
        label="整治类型", choices=RemediationType.choices, empty_label="全部", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(label="状态", method="filter_status", empty_label="全部", widget=FastSelect,
                                         choices=[("open", "未销号"), *CaseStatus.choices])  # fmt: skip
    overdue = StrictBooleanFilter(label="仅看逾期", method="filter_overdue",
                                  widget=_RawCheckbox(check_test=lambda v: str(v).lower() in StrictBooleanField.TRUE))  # fmt: skip
    sort = django_filters.ChoiceFilter(label="排序", choices=SORT_CHOICES[1:], method="filter_sort", empty_label=None)

    class Meta:
        model = Case
        fields = ["q", "town", "category", "remediation_type", "status", "overdue", "sort"]

    def __init__(self, data: Any = None, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(data, *args, **kwargs)
        self.filters["town"].queryset = towns_visible_to(scope)
        town = self.form.fields["town"]
        town.iterator = ListedChoiceIterator  # type: ignore[attr-defined]
        town.widget.choices = town.choices  # type: ignore[attr-defined]  # the widget kept the old iterator
        self.form.fields["sort"].required = False
        self.form.fields["sort"].choices = SORT_CHOICES

    def search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        for word in search_key(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        """Withdrawn cases (误列) are on no list unless asked for by their status (the office reviews them there)."""
        chosen = self.form.cleaned_data.get("status") if self.is_bound and self.form.is_valid() else ""
        if chosen != CaseStatus.WITHDRAWN:
            queryset = queryset.exclude(status=CaseStatus.WITHDRAWN)
        return super().filter_queryset(queryset)  # type: ignore[no-any-return]

    def filter_status(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        if not value:
            return queryset
        return queryset.filter(planned_completion__lt=clock.today()).exclude(status=CaseStatus.CLOSED)

    def filter_sort(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset  # applied by the pagination (keyset on id by default, numbered pages when sorted)

    @property
    def sort_key(self) -> str:
        """The chosen sort ("" for the default: newest first, keyset pages)."""
        return (self.form.cleaned_data.get("sort") or "") if self.is_bound and self.is_valid() else ""


class EnterpriseFilter(django_filters.FilterSet):
    """The enterprise list's filters (page and API)."""

    q = django_filters.CharFilter(label="搜索", method="search", max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": "企业名称、地址或负责人"}))  # fmt: skip
    town = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=None, empty_label="全部")

    class Meta:
        model = Enterprise
        fields = ["q", "town"]

    def __init__(self, data: Any = None, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(data, *args, **kwargs)
        self.filters["town"].queryset = towns_visible_to(scope)

    def search(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        for word in search_key(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset


def _check_town(params: Any, scope: Scope) -> None:
    town = str(params.get("town") or "")
    if town:
        town_id = core_params.pk(town)
        if town_id is None:
            raise ValidationFailed({"town": [f"镇（街道）编号“{town[:20]}”不正确，应为正整数"]})
        if not towns_visible_to(scope).filter(pk=town_id).exists():
            raise Http404("未找到该镇（街道）")


def _validated(filterset: Any) -> Any:
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationFailed({name: [str(e) for e in errs] for name, errs in filterset.errors.items()})
    return filterset


def filter_enterprises(params: Any, queryset: QuerySet[Enterprise], *, scope: Scope) -> EnterpriseFilter:
    _check_town(params, scope)
    return _validated(EnterpriseFilter(params, queryset=queryset, scope=scope))  # type: ignore[no-any-return]


def filter_cases(params: Any, queryset: QuerySet[Case], *, scope: Scope) -> CaseFilter:
    """The list's FilterSet on an already scoped queryset. A town the user may not see is a 404 (as for any record
    out of scope); any other bad value raises ValidationFailed with the parameter's Chinese message."""
    _check_town(params, scope)
    return _validated(CaseFilter(params, queryset=queryset, scope=scope))  # type: ignore[no-any-return]
