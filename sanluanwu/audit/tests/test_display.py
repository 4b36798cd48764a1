"""Every audit action code written anywhere in the package reads in Chinese on the timeline.

The codes are found in the source itself, so a new code without a label fails here:
- the `action` of every record_event(...) call (a literal, or an f-string checked as a pattern);
- the first argument of the importer's event(...) calls (its bulk events have the same shape as record_event's);
- as a safety net, every string constant shaped like a code (<app>.<object>.<verb>), however it is passed on.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sanluanwu.audit.display import ACTION_LABELS, action_label, object_type_label

PACKAGE = Path(__file__).resolve().parents[2]
DISPLAY_MAP = PACKAGE / "audit" / "display.py"  # the labels themselves are not uses
APPS = (
    "accounts",
    "audit",
    "campaigns",
    "core",
    "demo",
    "imports",
    "lookback",
    "notices",
    "registry",
    "remediation",
    "reporting",
)
CODE_SHAPE = re.compile(rf"^(?:{'|'.join(APPS)})\.[a-z_]+\.[a-z_]+$")
EVENT_WRITERS = {"record_event": "action", "event": None}  # None: the code is the first positional argument


def _sources() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if not {"tests", "migrations"} & set(p.relative_to(PACKAGE).parts) and p != DISPLAY_MAP
    ]


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _pattern(node: ast.JoinedStr) -> str:
    """f"registry.case.{verb}" → ^registry\\.case\\.[a-z_]+$"""
    parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z_]+" for v in node.values]
    return "^" + "".join(parts) + "$"


def found_codes() -> tuple[dict[str, str], dict[str, str]]:
    """({code: where}, {f-string pattern: where}) over the package's modules."""
    codes: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for path in _sources():
        where = str(path.relative_to(PACKAGE.parent))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_SHAPE.match(node.value):
                codes.setdefault(node.value, f"{where}:{node.lineno}")
            if not isinstance(node, ast.Call) or _name(node.func) not in EVENT_WRITERS:
                continue
            keyword = EVENT_WRITERS[_name(node.func)]
            values = [k.value for k in node.keywords if k.arg == keyword] if keyword else node.args[:1]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    codes.setdefault(value.value, f"{where}:{node.lineno}")
                elif isinstance(value, ast.JoinedStr):
                    patterns.setdefault(_pattern(value), f"{where}:{node.lineno}")
    return codes, patterns


def test_the_scan_finds_the_codes_of_every_writing_app():
    codes, _patterns = found_codes()
    assert {
        "registry.case.transitioned",
        "imports.batch.uploaded",
        "imports.case.created",
        "imports.enterprise.updated",
        "imports.baseline.created",
        "lookback.inspection.submitted",
        "accounts.membership.deleted",
        "accounts.user.password_changed",
        "campaigns.phase.updated",
    } <= set(codes)


def test_every_action_code_in_the_code_base_has_a_chinese_label():
    codes, patterns = found_codes()
    missing = [f"{code} ({where})" for code, where in sorted(codes.items()) if code not in ACTION_LABELS]
    assert not missing, "audit/display.py ACTION_LABELS has no label for: " + ", ".join(missing)
    # An f-string code cannot be listed: at least its family must be labelled (prefer literal codes).
    unlabelled = [f"{p} ({where})" for p, where in patterns.items() if not any(re.match(p, c) for c in ACTION_LABELS)]
    assert not unlabelled, "no label matches the action pattern: " + ", ".join(unlabelled)


@pytest.mark.parametrize(("code", "label"), sorted(ACTION_LABELS.items()))
def test_each_label_is_chinese_and_read_through_action_label(code, label):
    assert CODE_SHAPE.match(code)
    assert re.search(r"[\u4e00-\u9fff]", label) and action_label(code) == label


def test_an_unknown_code_reads_as_itself():
    assert action_label("registry.case.unheard_of") == "registry.case.unheard_of"


def test_an_object_type_reads_as_its_models_name():
    assert object_type_label("registry.case") == "整治对象"
    assert object_type_label("accounts.membership") == "任职"
    assert object_type_label("nothing.here") == "nothing.here"


def test_a_rendered_timeline_is_kept_until_its_objects_have_a_new_event(alice, campaign, district):
    from conftest import case_input, enterprise_input, make_case
    from sanluanwu.audit.display import timeline_html
    from sanluanwu.registry import services

    case = make_case(alice, district["hutang"], case={"progress_note": "已约谈"})
    other = make_case(alice, district["hutang"], name="张三五金加工作坊")
    first = timeline_html([case, case.enterprise])
    assert timeline_html([case, case.enterprise]) is first  # rendered once

    def note(record, text):
        services.update_case(actor=alice, case=record, case_data=case_input(progress_note=text),
                             enterprise_data=enterprise_input(district["hutang"], name=record.enterprise.name),
                             acknowledge_warnings=True)  # fmt: skip

    note(other, "已停产")
    assert timeline_html([case, case.enterprise]) is first  # another case's event leaves it
    case.refresh_from_db()
    note(case, "已断电")
    again = timeline_html([case, case.enterprise])
    assert again is not first and "已断电" in again and "已断电" not in first
