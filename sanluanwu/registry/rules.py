"""The rules of one enterprise or case record, each with a Chinese message naming the field.

Services call these; forms and the API never re-implement them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.queries import district
from sanluanwu.accounts.scope import Scope
from sanluanwu.core import geo
from sanluanwu.core.masking import mask_text
from sanluanwu.registry.choices import NO_LICENCE, LicenceStatus
from sanluanwu.registry.similarity import PROBABLY_KNOWN, Candidate, Find

WORKSHOP_SUFFIXES = ("作坊", "个体户")
# What weighed most for a similar enterprise → the warning's kind and the field it points at.
_SIMILAR_KINDS = {"name": ("similar_name", "name"), "place": ("nearby", "coordinates"),
                  "person": ("same_person", "legal_person"), "phone": ("same_phone", "phone"),
                  "credit_code": ("same_credit_code", "credit_code")}  # fmt: skip

# GB 32100-2015 unified social credit code: 18 characters from this alphabet, last one a check character.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def compose_workshop_name(legal_person: str, industry: str, suffix: str = "作坊") -> str:
    """填写说明 1: 负责人姓名 + 经营内容 + 作坊（或个体户）, e.g. 张三塑料造粒作坊."""
    content = (industry or "").strip()
    for tail in WORKSHOP_SUFFIXES:
        content = content.removesuffix(tail)
    return f"{(legal_person or '').strip()}{content}{suffix}"


def licence_from_name(name: str, credit_code: str = "") -> str:
    """The one rule that infers a licence when nobody said (a sheet without the column, a find in the field): a
    credit code means a licence; a name of rule 1 (…作坊, …个体户) means none; any other (a company's) a licence."""
    if credit_code:
        return LicenceStatus.LICENSED
    return LicenceStatus.UNLICENSED if (name or "").endswith(WORKSHOP_SUFFIXES) else LicenceStatus.LICENSED


def check_workshop_name(*, name: str, licence_status: str, legal_person: str, industry: str) -> str | None:
    """An enterprise without a licence must be named 负责人姓名+经营内容+作坊/个体户; returns the error or None."""
    if licence_status not in NO_LICENCE:
        return None
    person = (legal_person or "").strip()
    name = (name or "").strip()
    if person and name.startswith(person):
        for suffix in WORKSHOP_SUFFIXES:
            if name.endswith(suffix):
                if len(name) > len(person) + len(suffix):
                    return None
                break
    composed = compose_workshop_name(person, industry)
    return f"无营业执照的企业名称应按“负责人姓名+经营内容+作坊（或个体户）”填写（填写说明1），如“{composed}”"


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(code: str) -> str | None:
    if not code:
        return None
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code):
        return "统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对营业执照"
    return None


_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


def check_phone(phone: str) -> str | None:
    if phone and not _PHONE.match(phone):
        return "联系电话应为11位手机号码或带区号的固定电话，如 13812345678 或 0519-86312345"
    return None


_NO_BOUNDARY = object()


def check_point_in_district(point: geo.Point, boundary: Any = _NO_BOUNDARY) -> str | None:
    """The one district boundary rule (form, API, look-back, import): a point outside Wujin — a swapped pair, a wrong
    datum — is refused. `boundary` saves a bulk caller the query for the district's boundary on every row."""
    if boundary is _NO_BOUNDARY:
        unit = district()
        boundary = unit.boundary if unit else None
    if geo.boundary_contains(boundary, *point.as_floats()) is False:
        return f"该位置（经度 {point.lon}，纬度 {point.lat}）不在武进区范围内，请检查经纬度是否填反、是否选对坐标系"
    return None


def check_planned_completion(planned: dt.date | None, listed_on: dt.date) -> str | None:
    if planned and planned < listed_on:
        return f"计划完成时间（{planned:%Y-%m-%d}）不能早于列入名单日期（{listed_on:%Y-%m-%d}）"
    return None


@dataclass
class Warning:
    """Something the user must look at and confirm; not an error."""

    kind: str
    field: str
    message: str
    enterprise_id: int | None = None

    def __post_init__(self) -> None:
        # A warning quotes the record on file (its 负责人, village, name): numbers in it masked like every output.
        self.message = mask_text(self.message)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "field": self.field, "message": self.message}
        if self.enterprise_id:
            data["enterprise_id"] = self.enterprise_id
            data["url"] = f"/enterprises/{self.enterprise_id}/"
        return data


def similar_message(c: Candidate) -> str:
    """How a candidate of the similarity rule is said, wherever an enterprise is entered (form, API, import)."""
    likely = "很可能" if c.verdict == PROBABLY_KNOWN else "可能"
    message = f"{likely}与已登记的企业“{c.name}”是同一家（{'；'.join(c.reasons)}）"
    if c.against:
        message += f"，但{'；'.join(c.against)}"
    return message


def duplicate_warnings(
    *,
    scope: Scope,
    name: str,
    town: OrgUnit,
    point: geo.Point | None,
    exclude_id: int | None = None,
    legal_person: str = "",
    phone: str = "",
    credit_code: str = "",
    village: str = "",
) -> list[Warning]:
    """Enterprises the user may see that may be this one — the one similarity rule (registry.similarity) that the
    look-back's new finds use too — and a point outside the chosen town."""
    from sanluanwu.registry.queries import similar_enterprises

    lon, lat = point.as_floats() if point is not None else (None, None)
    find = Find(name, town.pk, legal_person, phone, credit_code, lon, lat, village)
    warnings: list[Warning] = []
    for c in similar_enterprises(scope, find, exclude_id=exclude_id).candidates:
        kind, field = _SIMILAR_KINDS[c.strongest]
        warnings.append(Warning(kind, field, similar_message(c) + "，请确认", c.enterprise_id))
    if lon is not None and lat is not None:
        inside = geo.boundary_contains(town.boundary, lon, lat)
        if inside is False:
            warnings.append(
                Warning("outside_town", "coordinates", f"该位置不在{town.name}范围内，请确认所属镇（街道）是否正确")
            )
    return warnings
