"""Scoped reads of enterprises and cases, shared by pages, API and (later) exports, maps and counts.

Every read starts here. Out-of-scope objects answer 404 through access_*().
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.audit.memo import remembered
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import geo, params
from sanluanwu.core.text import to_halfwidth
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.models import Case, CaseStatusChange, CreditCodeClash, Enterprise
from sanluanwu.registry.similarity import NEAR_CUTOFF_M, Find, Known, Match
from sanluanwu.registry.similarity_names import phone_keys
from sanluanwu.registry.visibility import assigned_cases


def cases_visible_to(user_or_scope: Any) -> QuerySet[Case]:
    """Every case for the office and leaders; the own towns' for a town user; the assigned ones (registry.visibility)
    for a department or utility user. Nothing for a user who may not read the list (the system admin)."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    cases = Case.objects.all()
    if not permissions.allows(scope, "case.view"):
        return cases.none()
    if scope.sees_district:
        return cases
    condition = assigned_cases(scope)
    if scope.town_ids:
        condition |= Q(town_id__in=scope.town_ids)
    return cases.filter(condition)


def _rows_of(model: type[Any]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in model.objects.values(*(f.attname for f in model._meta.concrete_fields))}


def attach_units(cases: list[Case]) -> list[Case]:
    """Each case's town and campaign, and its enterprise's town, from one read of the few org units and campaigns
    remembered until the next write of their apps (audit.memo), instead of a join per row: a page of 50 cases built
    150 copies of 18 towns and one campaign. Fresh instances per call (the remembered rows are only read). The cases
    must have been read with select_related("enterprise") and without "town" / "campaign"."""
    if not cases:
        return cases
    rows = {model: remembered(("rows_of", model._meta.label), functools.partial(_rows_of, model),
                              topics=(model._meta.app_label,))
            for model in (OrgUnit, Campaign)}  # fmt: skip
    built: dict[tuple[type[Any], int], Any] = {}

    def attach(field: Any, instance: Any, model: type[Any], pk: int) -> None:
        if pk not in rows[model]:
            return  # not in the remembered read (just created elsewhere): Django reads it when asked
        if (model, pk) not in built:
            row = rows[model][pk]
            built[(model, pk)] = model.from_db(instance._state.db, list(row), list(row.values()))
        field.set_cached_value(instance, built[(model, pk)])

    town_field, campaign_field = Case._meta.get_field("town"), Case._meta.get_field("campaign")
    enterprise_town = Enterprise._meta.get_field("town")
    for case in cases:
        attach(town_field, case, OrgUnit, case.town_id)
        attach(campaign_field, case, Campaign, case.campaign_id)
        attach(enterprise_town, case.enterprise, OrgUnit, case.enterprise.town_id)
    return cases


def statuses_as_of(case_ids: list[int], as_of: dt.date) -> dict[int, tuple[str, dt.date | None]]:
    """The status each case had at the end of `as_of` (and its closing day if closed), from the status history: a
    case is listed as 已列入名单 and each change of status is a row; a case without rows stands where it stood. A
    withdrawal (误列) is not a status of the past: the days a restored case was withdrawn read as 已列入名单 (the status
    it is withdrawn from and restored to), as in the reports' figures (reporting.figures)."""
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
    result: dict[int, tuple[str, dt.date | None]] = {}
    rows = (
        CaseStatusChange.objects.filter(case_id__any_of=list(case_ids), occurred_at__lt=end)
        .exclude(to_status=CaseStatus.WITHDRAWN)
        .order_by("case_id", "occurred_at", "id")
        .values_list("case_id", "to_status", "occurred_at")
    )
    for case_id, status, occurred_at in rows:
        closed = timezone.localdate(occurred_at) if status == CaseStatus.CLOSED else None
        result[case_id] = (status, closed)
    # No change by then: the case stood where its first later change started from (none at all: where it stands).
    missing = [i for i in case_ids if i not in result]
    if missing:
        later = CaseStatusChange.objects.filter(case_id__any_of=missing).order_by("case_id", "occurred_at", "id")
        for case_id, status in later.values_list("case_id", "from_status"):
            result.setdefault(case_id, (CaseStatus.LISTED if status == CaseStatus.WITHDRAWN else status, None))
    return result


def enterprises_visible_to(user_or_scope: Any) -> QuerySet[Enterprise]:
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    enterprises = Enterprise.objects.all()
    if not permissions.allows(scope, "case.view"):
        return enterprises.none()
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


def case_counts_by_status(cases: QuerySet[Case]) -> dict[str, int]:
    from django.db.models import Count

    return dict(cases.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def unit_label(scope: Scope, town_id: Any = None) -> str:
    """How an export names its unit: the chosen town, the user's own towns, or 全区."""
    from sanluanwu.accounts.models import OrgUnit

    town = params.pk(town_id) if town_id else None
    if town and (name := OrgUnit.objects.filter(pk=town).values_list("name", flat=True).first()):
        return name
    if not scope.sees_district and scope.town_ids:
        towns = OrgUnit.objects.filter(pk__in=scope.town_ids).order_by("sort_order")
        return "、".join(towns.values_list("name", flat=True))
    if not scope.sees_district:
        return "、".join(scope.unit_names) or "本单位"  # a department's or utility's own cases
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


def open_credit_code_clashes(user_or_scope: Any) -> QuerySet[CreditCodeClash]:
    """The office's list of credit codes registered in two towns (registry.services._flag_credit_code_clash)."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    if not permissions.allows(scope, "clash.resolve"):
        return CreditCodeClash.objects.none()
    return (
        CreditCodeClash.objects.filter(resolved_at__isnull=True)
        .select_related("enterprise__town", "holder__town")
        .order_by("-raised_at", "-id")
    )


def access_credit_code_clash(user_or_scope: Any, pk: Any) -> CreditCodeClash:
    """One open clash for the office; 404 otherwise."""
    clash = open_credit_code_clashes(user_or_scope).filter(pk=pk).first()
    if clash is None:
        raise Http404
    return clash
