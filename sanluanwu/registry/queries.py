"""Scoped reads of enterprises and cases, shared by pages, API and (later) exports, maps and counts.

Every read starts here. Out-of-scope objects answer 404 through access_*().
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.core import clock, geo
from sanluanwu.core.text import to_halfwidth
from sanluanwu.registry.choices import OPEN_STATUSES, CaseStatus
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.registry.similarity import NEAR_CUTOFF_M, Find, Known, Match
from sanluanwu.registry.similarity_names import phone_keys


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
        return cases_visible_to(user).select_related("enterprise", "town", "campaign").get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该整治对象") from None


def access_enterprise(user: Any, pk: Any) -> Enterprise:
    try:
        return enterprises_visible_to(user).select_related("town").get(pk=int(pk))
    except (Enterprise.DoesNotExist, ValueError, TypeError):
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

    if town_id:
        return OrgUnit.objects.get(pk=town_id).name
    if not scope.sees_district and scope.town_ids:
        towns = OrgUnit.objects.filter(pk__in=scope.town_ids).order_by("sort_order")
        return "、".join(towns.values_list("name", flat=True))
    return "全区"


def similar_enterprises(user_or_scope: Any, find: Find, *, exclude_id: int | None = None, limit: int = 5) -> Match:
    """Enterprises the user may see that may be `find` (registry.similarity), best first, with the verdict.

    Loads what the rule can use: the find's whole town (its names' statistics decide what is rare), the places
    around the find, and any enterprise with the same phone or credit code elsewhere.
    """
    from sanluanwu.accounts.choices import OrgUnitKind
    from sanluanwu.accounts.models import OrgUnit
    from sanluanwu.registry.similarity_index import KnownIndex  # numpy: loaded when first needed

    visible = enterprises_visible_to(user_or_scope)
    if exclude_id:
        visible = visible.exclude(pk=exclude_id)
    condition = Q(town_id=find.town_id) if find.town_id else Q(pk__in=[])
    for phone in phone_keys(find.phone):
        condition |= Q(phone__endswith=phone[-8:])  # 0519-86312345 and 86312345 are one number
    if find.credit_code:
        condition |= Q(credit_code=to_halfwidth(find.credit_code).strip().upper())
    if find.lon is not None and find.lat is not None:
        x0, y0, x1, y1 = geo.degrees_box(find.lon, find.lat, NEAR_CUTOFF_M)
        condition |= Q(longitude__gte=x0, longitude__lte=x1, latitude__gte=y0, latitude__lte=y1)
    rows = visible.filter(condition).values_list("id", "name", "town_id", "legal_person", "phone", "credit_code",
                                                  "longitude", "latitude", "village")  # fmt: skip
    known = [Known(n, t, p, ph, cc, float(lo) if lo is not None else None, float(la) if la is not None else None, v,
                   id=i) for i, n, t, p, ph, cc, lo, la, v in rows]  # fmt: skip
    towns = OrgUnit.objects.filter(kind=OrgUnitKind.TOWN).values_list("name", flat=True)
    return KnownIndex(known, towns).match(find, limit)
