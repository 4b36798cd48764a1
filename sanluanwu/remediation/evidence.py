"""Evidence photos: kept as taken (core.photos), with warnings a reviewer must see — taken far from the site, on
another day, without EXIF, or the same picture as one used elsewhere (same SHA-256, or a perceptual hash within a few
bits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sanluanwu.core import clock, geo, photos
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.remediation.choices import EvidenceStep
from sanluanwu.remediation.models import Evidence

# The look-back's rule: a photo more than 200 m from the place is worth a second look.
DISTANCE_WARNING_M = 200
NEAR_IDENTICAL_BITS = 6
MAX_PHOTOS_PER_UPLOAD = 20


@dataclass
class Upload:
    data: bytes
    name: str
    item_code: str = ""
    phase: str = ""


def uploads(files: list[Any], *, item_code: str = "", phase: str = "") -> list[Upload]:
    """The photos of a form or API field; each is refused by its declared size before a byte of it is read."""
    out = []
    for f in files:
        if refusal := photos.size_refusal(f.size or 0):
            raise ValidationFailed({"photos": [f"“{f.name}”：{refusal}"]})
        out.append(Upload(f.read(), f.name or "photo.jpg", item_code, phase))
    return out


def _parts(dhash: str) -> list[int | None]:
    if not dhash:
        return [None] * 4
    value = int(dhash, 16)
    # Signed 16-bit parts would do too; keep them non-negative and small.
    return [(value >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]


# Photos kept by higher apps (the look-back's inspection photos) are searched through finders they register:
# sha256 -> [{"text": "与回头看检查照片完全相同…"}]; a look-back picture sent again as proof of remediation is flagged.
DuplicateFinder = Callable[[str], list[dict[str, Any]]]
_FINDERS: list[DuplicateFinder] = []


def register_duplicate_finder(finder: DuplicateFinder) -> DuplicateFinder:
    if finder not in _FINDERS:
        _FINDERS.append(finder)
    return finder


def _duplicates(case_id: int, step: str, subject_id: int | None, sha256: str, dhash: str) -> list[dict[str, Any]]:
    """Earlier evidence with the same bytes or a near-identical picture, in another case or an earlier step."""
    a, b, c, d = _parts(dhash)
    cond = Q(sha256=sha256)
    if dhash:
        cond |= Q(dhash_a=a) | Q(dhash_b=b) | Q(dhash_c=c) | Q(dhash_d=d)
    found = []
    for other in Evidence.objects.filter(cond).only("id", "case_id", "step", "subject_id", "sha256", "dhash")[:200]:
        if other.case_id == case_id and other.step == step and other.subject_id == subject_id:
            continue  # the same record's other photos
        same = other.sha256 == sha256
        bits = photos.hamming(dhash, other.dhash) if dhash and other.dhash else 64
        if same or bits <= NEAR_IDENTICAL_BITS:
            where = "本对象的" if other.case_id == case_id else f"另一整治对象（编号 {other.case_id}）的"
            found.append({"evidence_id": other.pk, "case_id": other.case_id, "same_file": same,
                          "text": f"与{where}{EvidenceStep(other.step).label}照片"
                                  f"{'完全相同' if same else '几乎相同'}"})  # fmt: skip
    for finder in _FINDERS:
        found.extend(finder(sha256))
    return found


def store(*, actor: Any, case: Any, step: str, subject_id: int | None, uploads: list[Upload]) -> list[Evidence]:
    """Keep the photos of one step; refuses (Chinese, naming the file) what is not a photo."""
    if len(uploads) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationFailed({"photos": [f"一次最多上传 {MAX_PHOTOS_PER_UPLOAD} 张照片"]})
    kept = []
    for up in uploads:
        try:
            stored = photos.store_photo(up.data, up.name)
        except photos.PhotoRejected as exc:
            raise ValidationFailed({"photos": [str(exc)]}) from None
        a, b, c, d = _parts(stored.dhash)
        kept.append(Evidence.objects.create(
            case_id=case.pk, step=step, subject_id=subject_id, item_code=up.item_code, phase=up.phase,
            original_name=up.name[:255], stored_name=stored.stored_name, sha256=stored.sha256, dhash=stored.dhash,
            dhash_a=a, dhash_b=b, dhash_c=c, dhash_d=d, content_type=stored.content_type, size=stored.size,
            taken_at=stored.taken_at, longitude=stored.longitude, latitude=stored.latitude,
            duplicates=_duplicates(case.pk, step, subject_id, stored.sha256, stored.dhash),
            uploaded_by=actor if getattr(actor, "pk", None) else None, uploaded_at=clock.now(),
        ))  # fmt: skip
    return kept


def warnings_for(evidence: Evidence, *, site: tuple[Any, Any] | None, day: dt.date | None) -> list[str]:
    """What a reviewer should look at twice before trusting this photo, against the case's place and the step's day."""
    out: list[str] = []
    if evidence.taken_at is None and evidence.longitude is None:
        out.append("照片没有 EXIF 信息（拍摄时间、位置不明）")
    else:
        if evidence.taken_at is not None and day is not None:
            taken = timezone.localtime(evidence.taken_at).date()
            if taken != day:
                out.append(f"拍摄于 {taken:%Y-%m-%d}，不是当天（{day:%Y-%m-%d}）")
        elif evidence.taken_at is None:
            out.append("照片没有拍摄时间")
        lon, lat = evidence.longitude, evidence.latitude
        if lon is not None and lat is not None and site and site[0] is not None and site[1] is not None:
            metres = geo.distance_m(float(lon), float(lat), float(site[0]), float(site[1]))
            if metres > DISTANCE_WARNING_M:
                out.append(f"拍摄位置距企业约 {metres:,.0f} 米（超过 {DISTANCE_WARNING_M} 米）")
        elif evidence.longitude is None:
            out.append("照片没有拍摄位置")
    out.extend(d["text"] for d in evidence.duplicates or [])
    return out
