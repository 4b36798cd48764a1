from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sanluanwu.lookback.queries import inspections_visible_to


def evidence_panel(request: HttpRequest, case: Any) -> SafeString | None:
    """The look-back inspections that put the case on the list, with their photos as evidence."""
    # The case's history: a withdrawn inspection or photo is shown, marked with its reason.
    inspections = list(inspections_visible_to(request.user, withdrawn=None).filter(case=case).prefetch_related("photos")
                       .select_related("target"))  # fmt: skip
    if not inspections:
        return None
    return mark_safe(render_to_string("lookback/case_evidence.html", {"inspections": inspections}, request=request))


def same_photos(sha256: str) -> list[dict[str, Any]]:
    """remediation.evidence finder: a look-back inspection photo with these very bytes."""
    from sanluanwu.lookback.models import Photo

    return [{"lookback_photo_id": p.pk, "text": f"与回头看检查照片（{p.original_name}）完全相同"}
            for p in Photo.objects.filter(sha256=sha256).only("id", "original_name")[:5]]  # fmt: skip


def ledger_section(case: Any) -> tuple[str, list[tuple[str, str]]] | None:
    """The look-back inspections that found the case, for its ledger (remediation.ledger)."""
    from django.db.models import Prefetch
    from django.utils import timezone

    from sanluanwu.core.withdrawal import ACTIVE
    from sanluanwu.lookback.models import Inspection, Photo

    rows = []
    active_photos = Prefetch("photos", queryset=Photo.objects.filter(ACTIVE))
    for i in (Inspection.objects.filter(ACTIVE, case=case).exclude(status="draft").select_related("created_by")
              .prefetch_related(active_photos).order_by("inspected_at")):  # fmt: skip
        problems = "；".join(p for p in (i.env_problems, i.safety_problems, i.other_problems) if p) or "—"
        where = f"{i.longitude},{i.latitude}" if i.longitude is not None else "未定位"
        far = f"（距登记位置 {i.distance_m:,.0f} 米：{i.distance_reason}）" if i.distance_reason else ""
        rows.append((f"{timezone.localtime(i.inspected_at):%Y-%m-%d %H:%M} 检查",
                     f"检查人员：{i.inspectors}；结果：{i.get_result_display() or '—'}；问题：{problems}；位置：{where}{far}；"
                     f"照片 {len(i.photos.all())} 张"))  # fmt: skip
    return ("回头看检查", rows) if rows else None
