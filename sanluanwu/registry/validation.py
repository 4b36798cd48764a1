"""The checks of one dynamic-list row, the same for every writer.

The services (form, API, look-back) and the bulk path (sheet imports, registry/bulk.py) both normalise input with
clean_*() and check it with *_errors(), so a rule cannot differ between paths. Each message is Chinese and keyed
by the column (registry.columns) it is about. Checks that need the database (a duplicate name in the town, the
credit code held by another enterprise, permissions, the workflow) are made by the callers, which know whether they
check one row or a hundred thousand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sanluanwu.core import params
from sanluanwu.core.masking import holds_personal_number
from sanluanwu.core.text import clean_multiline, clean_text, to_halfwidth
from sanluanwu.registry import cells, columns, rules
from sanluanwu.registry.choices import LicenceStatus, LookbackCategory, RemediationType

Errors = dict[str, list[str]]
ENTERPRISE_TEXTS = ("name", "industry", "address", "village", "legal_person", "phone", "credit_code")
CASE_TEXTS = ("responsible_person", "env_problems", "safety_problems", "other_problems", "progress_note")
_REQUIRED_ENTERPRISE = tuple(
    (k, f"请填写{columns.BY_KEY[k].header}") for k in ("name", "industry", "address", "legal_person")
)
# The allowed values as plain sets: a choices class's .values builds a list on every call (100,000 rows an import).
_LICENCES = frozenset(LicenceStatus.values)
_CATEGORIES = frozenset(LookbackCategory.values)
_TYPES = frozenset(RemediationType.values)
_ENTERPRISE_LIMITS = tuple((k, columns.BY_KEY[k].max_length or 0) for k in ENTERPRISE_TEXTS)
_CASE_LIMITS = tuple((k, columns.BY_KEY[k].max_length or 0) for k in CASE_TEXTS)


# Columns shown in clear to every party (a utility's fitter too), searched and compared by: they hold no phone or ID
# number. One typed into them is refused, saying where it belongs (联系电话, stored once and masked everywhere).
NO_NUMBER_TEXTS = ("name", "industry", "village")


def number_refusal(key: str, value: Any) -> str | None:
    if value and holds_personal_number(value):
        return (f"{columns.BY_KEY[key].header}中不能含有电话号码或身份证号，请删去"
                "（企业的联系电话在企业信息的“联系电话”中登记，系统脱敏保存和显示）")  # fmt: skip
    return None


def add(errors: Errors, key: str, message: str | None) -> None:
    if message:
        errors.setdefault(key, []).append(message)


def clean_value(key: str, value: Any) -> str:
    """A text as it is stored: one line (names) or several (problems, notes), controls removed; a phone or a credit
    code half-width without spaces (the credit code in capitals)."""
    if key == "phone":
        return to_halfwidth(clean_text(value)).replace(" ", "")
    if key == "credit_code":
        return to_halfwidth(clean_text(value)).replace(" ", "").upper()
    column = columns.BY_KEY[key]
    if column.text == columns.LINES:
        text = clean_multiline(value)
        # 无 / — / 暂无 in a problem column mean "no problem of this kind", left empty (填写说明 2): so the form and
        # the API store them, as the import reads them (cells.read_problems), and a sheet reads back unchanged.
        return "" if column.read is cells.read_problems and text in cells.NONE_WORDS else text
    return clean_text(value)


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every text of a row normalised (other values unchanged)."""
    return {k: clean_value(k, v) if k in ENTERPRISE_TEXTS or k in CASE_TEXTS else v for k, v in values.items()}


def enterprise_errors(values: Mapping[str, Any], *, required: bool = True) -> Errors:
    """The rules of an enterprise's columns, on cleaned values (a missing key is not checked unless required)."""
    errors: Errors = {}
    for key, message in _REQUIRED_ENTERPRISE:
        if (required or key in values) and not values.get(key):
            add(errors, key, message)
    for key, limit in _ENTERPRISE_LIMITS:
        value = values.get(key)
        if value and len(value) > limit:
            add(errors, key, columns.text_errors(key, value))
    licence = values.get("licence_status")
    if (required or "licence_status" in values) and licence not in _LICENCES:
        add(errors, "licence_status", "请选择营业执照办理情况（已办理、正在办理或未办理）")
    for key in NO_NUMBER_TEXTS:  # before the name's own rule: what to do first is to take the number out
        if key not in errors:
            add(errors, key, number_refusal(key, values.get(key)))
    if values.get("name") and values.get("legal_person") and "name" not in errors:
        add(errors, "name", rules.check_workshop_name(name=values["name"], licence_status=licence or "",
                                                      legal_person=values["legal_person"],
                                                      industry=values.get("industry", "")))  # fmt: skip
    add(errors, "credit_code", rules.check_credit_code(values.get("credit_code", "")))
    add(errors, "phone", rules.check_phone(values.get("phone", "")))
    return errors


def case_errors(values: Mapping[str, Any], *, listed_on: dt.date, required: bool = True) -> Errors:
    """The rules of a case's columns, on cleaned values."""
    errors: Errors = {}
    category = values.get("lookback_category")
    if (required or "lookback_category" in values) and category not in _CATEGORIES:
        add(errors, "lookback_category", "请选择“回头看”四种排查类型之一（第一类至第四类）")
    rtype = values.get("remediation_type")
    if rtype and rtype not in _TYPES:
        add(errors, "remediation_type", "整治类型只能是关停取缔或治理改造")
    if (required or "responsible_person" in values) and not values.get("responsible_person"):
        add(errors, "responsible_person", "请填写责任人")
    for key, limit in _CASE_LIMITS:
        value = values.get(key)
        if value and len(value) > limit:
            add(errors, key, columns.text_errors(key, value))
    add(errors, "listed_on", params.date_error(values.get("listed_on") or listed_on, "列入名单日期"))
    add(errors, "planned_completion", params.date_error(values.get("planned_completion"), "计划完成时间")
        or rules.check_planned_completion(values.get("planned_completion"), listed_on))  # fmt: skip
    return errors
