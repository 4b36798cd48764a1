"""Scoped reads of enterprises and cases, shared by pages, API and (later) exports, maps and counts.

Every read starts here. Out-of-scope objects answer 404 through access_*().
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.core import clock, params
from sanluanwu.core.text import to_halfwidth
from sanluanwu.registry.choices import OPEN_STATUSES, CaseStatus
from sanluanwu.registry.models import Case, Enterprise


def _assigned_case_filter(scope: Scope) -> Q:
    """Cases assigned to a department or utility. Tasks come with the remediation issue; until then none."""
    return Q(pk__in=[])


def cases_visible_to(user_or_scope: Any) -> QuerySet[Case]:
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    cases = Case.objects.all()
    if scope.sees_district:
        return cases
    condition = Q(town_id__in=scope.town_ids) | _assigned_case_filter(scope)
    return cases.filter(condition)


def enterprises_visible_to(user_or_scope: Any) -> QuerySet[Enterprise]:
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    enterprises = Enterprise.objects.all()
    if scope.sees_district:
        return enterprises
    assigned = cases_visible_to(scope).exclude(town_id__in=scope.town_ids).values("enterprise_id")
    return enterprises.filter(Q(town_id__in=scope.town_ids) | Q(pk__in=assigned))


def access_case(user: Any, pk: Any) -> Case:
    """The case if the user may see it; 404 otherwise (never 403: existence is not revealed)."""
    try:
        return cases_visible_to(user).select_related("enterprise", "town", "campaign").get(pk=params.pk(pk) or 0)
    except Case.DoesNotExist:
        raise Http404("未找到该整治对象") from None


def access_enterprise(user: Any, pk: Any) -> Enterprise:
    try:
        return enterprises_visible_to(user).select_related("town").get(pk=params.pk(pk) or 0)
    except Enterprise.DoesNotExist:
        raise Http404("未找到该企业") from None


def search_key(q: str) -> str:
    return to_halfwidth(q).strip().lower()


def filter_cases(
    cases: QuerySet[Case],
    *,
    town: Any = None,
    category: Any = None,
    remediation_type: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    q: str | None = None,
    campaign: Any = None,
) -> QuerySet[Case]:
    """The list filters; each maps to an index in Case.Meta (see models.py)."""
    if town:
        cases = cases.filter(town_id=town)
    if campaign:
        cases = cases.filter(campaign_id=campaign)
    if category:
        cases = cases.filter(lookback_category=category)
    if remediation_type:
        cases = cases.filter(remediation_type=remediation_type)
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if overdue:
        cases = cases.filter(planned_completion__lt=clock.today()).exclude(status=CaseStatus.CLOSED)
    if q:
        for word in search_key(q).split():
            cases = cases.filter(search_text__contains=word)
    return cases


def filter_enterprises(
    enterprises: QuerySet[Enterprise], *, town: Any = None, q: str | None = None
) -> QuerySet[Enterprise]:
    if town:
        enterprises = enterprises.filter(town_id=town)
    if q:
        for word in search_key(q).split():
            enterprises = enterprises.filter(search_text__contains=word)
    return enterprises


def case_counts_by_status(cases: QuerySet[Case]) -> dict[str, int]:
    from django.db.models import Count

    return dict(cases.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def unit_label(scope: Scope, town_id: Any = None) -> str:
    """How an export names its unit: the chosen town, the user's own towns, or 全区."""
    from sanluanwu.accounts.models import OrgUnit

    if name := OrgUnit.objects.filter(pk=params.pk(town_id) or 0).values_list("name", flat=True).first():
        return name
    if not scope.sees_district and scope.town_ids:
        towns = OrgUnit.objects.filter(pk__in=scope.town_ids).order_by("sort_order")
        return "、".join(towns.values_list("name", flat=True))
    return "全区"
