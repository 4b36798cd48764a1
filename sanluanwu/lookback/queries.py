"""Scoped reads of the look-back: places, inspections, photos, work lists and progress figures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope, scope_for
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core import geo, params
from sanluanwu.core.withdrawal import ACTIVE
from sanluanwu.lookback.choices import InspectionResult, InspectionStatus, TargetStatus
from sanluanwu.lookback.models import Inspection, Photo, Target


def _scope(user_or_scope: Any) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def _withdrawn(qs: QuerySet[Any], withdrawn: bool | None) -> QuerySet[Any]:
    """Lists, counts and progress read the records in play (False, the default); the office's list of withdrawn
    records reads those (True); the record's own page and its parent's history read both (None)."""
    if withdrawn is None:
        return qs
    return qs.exclude(ACTIVE) if withdrawn else qs.filter(ACTIVE)


def targets_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[Target]:
    scope = _scope(user_or_scope)
    targets = Target.objects.all() if scope.sees_district else Target.objects.filter(town_id__in=scope.town_ids)
    return _withdrawn(targets, withdrawn)


def inspections_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[Inspection]:
    """Submitted inspections in the user's scope; drafts (unfinished, unsigned) only where the user may record
    inspections: the leader and read-only roles see what was submitted, on pages and API alike."""
    scope = _scope(user_or_scope)
    inspections = Inspection.objects.all() if scope.sees_district else Inspection.objects.filter(
        town_id__in=scope.town_ids)  # fmt: skip
    inspections = _withdrawn(inspections, withdrawn)
    recording = permissions.towns_allowing(scope, "inspection.record")
    if recording is None:
        return inspections
    return inspections.filter(~Q(status=InspectionStatus.DRAFT) | Q(town_id__in=recording))


def photos_visible_to(user_or_scope: Any, *, withdrawn: bool | None = False) -> QuerySet[Photo]:
    return _withdrawn(Photo.objects.filter(inspection__in=inspections_visible_to(user_or_scope, withdrawn=None)),
                      withdrawn)  # fmt: skip


def _access(qs: QuerySet[Any], pk: Any, what: str) -> Any:
    try:
        return qs.get(pk=params.pk(pk) or 0)  # an id beyond 64 bits is no id, not a database error
    except qs.model.DoesNotExist:
        raise Http404(f"未找到该{what}") from None


def access_target(user: Any, pk: Any) -> Target:
    return _access(targets_visible_to(user, withdrawn=None).select_related("town", "enterprise", "baseline_record", "assigned_to"),  # type: ignore[no-any-return]
                   pk, "排查对象")  # fmt: skip


def access_inspection(user: Any, pk: Any) -> Inspection:
    return _access(inspections_visible_to(user, withdrawn=None).select_related("target__baseline_record",  # type: ignore[no-any-return]
                                                                             "target__enterprise", "case"),
                   pk, "检查记录")  # fmt: skip


def access_photo(user: Any, pk: Any) -> Photo:
    return _access(photos_visible_to(user, withdrawn=None).select_related("inspection"), pk, "照片")  # type: ignore[no-any-return]


def worklist(user: Any, *, lon: float | None = None, lat: float | None = None) -> list[tuple[Target, float | None]]:
    """An inspector's open places (assigned to them, or unassigned in their town), nearest first when located."""
    scope = _scope(user)
    targets = targets_visible_to(scope).filter(status=TargetStatus.TO_DO)
    if not scope.sees_district:
        targets = targets.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    else:
        targets = targets.filter(assigned_to=user)
    rows = list(targets.select_related("town", "baseline_record")[:2000])
    with_distance: list[tuple[Target, float | None]] = []
    for t in rows:
        d = None
        if lon is not None and lat is not None and t.longitude is not None and t.latitude is not None:
            d = geo.distance_m(lon, lat, float(t.longitude), float(t.latitude))
        with_distance.append((t, d))
    if lon is not None and lat is not None:
        with_distance.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0))
    else:
        with_distance.sort(key=lambda pair: (pair[0].assigned_to_id is None, pair[0].village, pair[0].name))
    return with_distance


def progress(user: Any, campaign: Campaign, *, by: str = "town", town_id: int | None = None) -> list[dict[str, Any]]:
    """Done / to do / problems found per town (office) or per village (a town), computed from the records."""
    targets = targets_visible_to(user).filter(campaign=campaign)
    if town_id:
        targets = targets.filter(town_id=town_id)
    key = "town__name" if by == "town" else "village"
    order = "town__sort_order" if by == "town" else "village"
    problems = Count("id", filter=Q(inspections__status=InspectionStatus.SUBMITTED, inspections__withdrawn_at=None,
                                    inspections__result=InspectionResult.PROBLEMS_FOUND), distinct=True)  # fmt: skip
    rows = (targets.values(key, "town_id" if by == "town" else "village").order_by(order)
            .annotate(total=Count("id", distinct=True),
                      done=Count("id", filter=Q(status=TargetStatus.DONE), distinct=True), problems=problems))  # fmt: skip
    out = []
    for r in rows:
        total, done = r["total"], r["done"]
        out.append({"name": r[key] or "（未填村）", "town_id": r.get("town_id"), "total": total, "done": done,
                    "to_do": total - done, "problems": r["problems"],
                    "percent": round(100 * done / total) if total else 0})  # fmt: skip
    return out


def inspectors_of(town_id: int) -> QuerySet[Any]:
    """The people who may be given places of a town: its inspectors and managers."""
    from sanluanwu.accounts.choices import Role
    from sanluanwu.accounts.models import User

    return User.objects.filter(is_active=True, memberships__org_unit_id=town_id,
                               memberships__role__in=[Role.TOWN_INSPECTOR, Role.TOWN_MANAGER]).distinct().order_by("username")  # fmt: skip
