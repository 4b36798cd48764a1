"""The hostile corpus through every writable field of every API write, the fields read from the OpenAPI schema.

Each write operation (POST, PUT, PATCH) of the schema is sent by the person who uses it, on a record in the state it is
used in, with a body that is accepted as it stands; then each writable field of the schema (nested ones too: a plan's
items, a review's checks, a map's keys and values) is tried: text with each hostile text (all of a body's text fields
at once; the fields a 400 names are done, the others tried again), numbers with non-finite and huge ones (JSON carries
NaN, Infinity and 1e309 as bare words), dates with absurd ones. Each answer is a 400 naming the field in Chinese, or
the record stored (and its pages show it escaped); never a 500. Each try is rolled back (a savepoint), so each meets
the same state. A write operation the schema gains without a body here fails
test_every_write_operation_of_the_schema_is_walked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from sanluanwu.core import clock
from tests import hostile
from tests.hostile_forms import TOGETHER_TEXTS
from tests.test_hostile_pages import (
    ABSURD_DATES,
    NUMBERS,
    World,
    _batch,
    _escaped,
    _find,
    _lead,
    _lookback_photo,
    _plan,
    _review,
    _task,
    _unplanned,
    _withdrawn_inspection,
    _withdrawn_plan,
    _withdrawn_target,
    _withdrawn_task,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ABSURD_DATETIMES = ["0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00", "10000-01-01T00:00:00Z", "1e309",
                    "2020-02-30T10:00:00Z"]  # fmt: skip


def _schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def write_operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """'METHOD path' → the JSON body's schema (None for an operation without a body)."""
    out = {}
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("post", "put", "patch"):
                content = op.get("requestBody", {}).get("content", {})
                body = content.get("application/json") or content.get("multipart/form-data")
                out[f"{method.upper()} {path}"] = _resolve(schema, body["schema"]) if body else None
    return out


@dataclass
class Field:
    path: tuple[str | int, ...]  # where it sits in the body: ("items", 0, "text")
    kind: str  # text, number, date, datetime, map


def fields_of(schema: dict[str, Any], body: dict[str, Any], prefix: tuple[str | int, ...] = ()) -> list[Field]:
    """The writable fields of a body's schema a hostile value can go into (choices and booleans are DRF's own)."""
    out: list[Field] = []
    for name, prop in body.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        node = _resolve(schema, prop)
        kind, fmt = node.get("type"), node.get("format")
        where = (*prefix, name)
        if "enum" in node or "allOf" in prop or "oneOf" in prop:
            continue
        if kind == "string" and fmt == "binary":
            continue  # uploads: tests/test_hostile_corpus.py sends the hostile files
        if kind == "string" and fmt == "date":
            out.append(Field(where, "date"))
        elif kind == "string" and fmt == "date-time":
            out.append(Field(where, "datetime"))
        elif kind == "string" and fmt == "decimal":
            out.append(Field(where, "number"))
            out.append(Field(where, "text"))
        elif kind == "string":
            out.append(Field(where, "text"))
        elif kind in ("integer", "number"):
            out.append(Field(where, "number"))
        elif kind == "object" and "additionalProperties" in node:
            out.append(Field(where, "map"))
        elif kind == "array":
            items = _resolve(schema, node.get("items", {}))
            if items.get("type") == "object":
                out.extend(fields_of(schema, items, (*where, 0)))
            elif items.get("type") in ("integer", "number"):
                out.append(Field((*where, 0), "number"))
    return out


def _set(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    body = json.loads(json.dumps(body))
    node = body
    for key in path[:-1]:
        if isinstance(key, int):
            while len(node) <= key:
                node.append({})
        elif key not in node:
            node[key] = [] if isinstance(path[path.index(key) + 1], int) else {}
        node = node[key]
    if isinstance(path[-1], int):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value
    return body


@dataclass
class Write:
    """Who sends it, the record's path, a body accepted as it stands, and pages showing what it stores."""

    persona: Callable[[World], Any]
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    shows: Callable[[World], list[str]] = lambda w: []
    anonymous: bool = False
    # Files sent with it (then as a form, multipart): evidence a service requires.
    files: Callable[[World], dict[str, tuple[bytes, str]]] | None = None


def _today(days: int = 0) -> str:
    return (clock.today() + dt.timedelta(days=days)).isoformat()


def _case_body(w: World, **extra: Any) -> dict[str, Any]:
    from sanluanwu.registry.tests.test_api import _payload

    return _payload(w.district(), name="赵六塑料造粒作坊", legal_person="赵六", coordinates="31.7290, 119.9690",
                    acknowledge_warnings=True, **extra)  # fmt: skip


ENTERPRISE_KEYS = ("name", "industry", "address", "town", "coordinates", "legal_person", "licence_status",
                   "acknowledge_warnings")  # fmt: skip


def _alice(w: World) -> Any:
    return w.user("alice")


def _office(w: World) -> Any:
    return w.user("office")


def _ada(w: World) -> Any:
    return w.user("ada")


def _uma(w: World) -> Any:
    return w.user("uma")


def _dora(w: World) -> Any:
    return w.user("dora")


def _photo(w: World) -> dict[str, tuple[bytes, str]]:
    from sanluanwu.demo.walk import site_photo

    return {"photos": (site_photo(w.case("confirmed"), seed=1), "现场.jpg")}


def _blocked_task(w: World) -> Any:
    from sanluanwu.remediation import services

    task = _task(w)
    if task.state != "blocked":
        task = services.block_task(actor=w.user("uma"), task=task, reason="用户拒绝配合") or task
    return task


def _complete_body(w: World) -> dict[str, Any]:
    task = _task(w)
    return {"acted_on": _today(), "account_no": "3204100001", "final_reading": "123.45", "document_no": "武电〔2020〕1号",
            "note": "已断电", "version": task.version}  # fmt: skip


def _review_body(w: World) -> dict[str, Any]:
    from sanluanwu.remediation import queries

    case = w.case("awaiting_review")
    checks = [{"item_code": code, "confirmed": False, "note": ""} for code, _label in queries.review_items(case)]
    return {"review": _review(w, "awaiting_review").pk, "reviewed_on": _today(), "participants": "王五（湖塘镇）",
            "checks": checks, "result": "failed", "reasons": "设备未清除"}  # fmt: skip


WRITES: dict[str, Write] = {
    "POST /api/v1/auth/token/": Write(
        _alice,
        lambda w: "/api/v1/auth/token/",
        lambda w: {"username": "alice", "password": "Secret#2020"},
        anonymous=True,
    ),
    "POST /api/v1/cases/": Write(
        _alice, lambda w: (w.user("campaign"), "/api/v1/cases/")[1], _case_body, lambda w: ["/cases/"]
    ),
    "PUT /api/v1/cases/{id}/": Write(
        _alice,
        lambda w: f"/api/v1/cases/{w.case().pk}/",
        lambda w: _case_body(w, version=w.case().version),
        lambda w: [f"/cases/{w.case().pk}/"],
    ),
    "PATCH /api/v1/cases/{id}/": Write(
        _alice,
        lambda w: f"/api/v1/cases/{w.case().pk}/",
        lambda w: _case_body(w, version=w.case().version),
        lambda w: [f"/cases/{w.case().pk}/"],
    ),
    "POST /api/v1/cases/{id}/transition/": Write(
        _alice,
        lambda w: f"/api/v1/cases/{w.case().pk}/transition/",
        lambda w: {"action": "withdraw", "note": "重复列入"},
        lambda w: [f"/cases/{w.case().pk}/"],
    ),
    "POST /api/v1/cases/export/": Write(
        _office,
        lambda w: (w.case(), "/api/v1/cases/export/")[1],
        lambda w: {"unmasked": True, "reason": "逐户电话通知"},
    ),
    "POST /api/v1/enterprises/": Write(
        _alice,
        lambda w: (w.user("campaign"), "/api/v1/enterprises/")[1],
        lambda w: {k: v for k, v in _case_body(w).items() if k in ENTERPRISE_KEYS},
        lambda w: ["/enterprises/"],
    ),
    "PUT /api/v1/enterprises/{id}/": Write(
        _alice,
        lambda w: f"/api/v1/enterprises/{w.case().enterprise_id}/",
        lambda w: {
            **{k: v for k, v in _case_body(w).items() if k in ENTERPRISE_KEYS},
            "version": w.case().enterprise.version,
        },
        lambda w: [f"/enterprises/{w.case().enterprise_id}/", f"/cases/{w.case().pk}/"],
    ),
    "PATCH /api/v1/enterprises/{id}/": Write(
        _alice,
        lambda w: f"/api/v1/enterprises/{w.case().enterprise_id}/",
        lambda w: {
            **{k: v for k, v in _case_body(w).items() if k in ENTERPRISE_KEYS},
            "version": w.case().enterprise.version,
        },
        lambda w: [f"/enterprises/{w.case().enterprise_id}/", f"/cases/{w.case().pk}/"],
    ),
    "POST /api/v1/enterprises/{id}/reveal/": Write(
        _office, lambda w: f"/api/v1/enterprises/{w.case().enterprise_id}/reveal/", lambda w: {"reason": "核实联系方式"}
    ),
    "PATCH /api/v1/lookback/inspections/{id}/": Write(
        _ada,
        lambda w: f"/api/v1/lookback/inspections/{w.inspection().pk}/",
        lambda w: {"version": w.inspection().version, "inspectors": "李、王", "notes": {"producing": "无"}},
        lambda w: [f"/lookback/inspections/{w.inspection().pk}/"],
    ),
    "POST /api/v1/lookback/inspections/{id}/submit/": Write(
        _ada,
        lambda w: f"/api/v1/lookback/inspections/{w.inspection().pk}/submit/",
        lambda w: {"answers": _all_clear(), "inspectors": "李、王", "notes": {"producing": "无"}},
        lambda w: [f"/lookback/inspections/{w.inspection().pk}/"],
    ),
    "POST /api/v1/lookback/inspections/{id}/amend/": Write(
        _alice,
        lambda w: f"/api/v1/lookback/inspections/{w.inspection(True).pk}/amend/",
        lambda w: {"reason": "笔误更正", "changes": {"inspectors": "李、张"}},
        lambda w: [f"/lookback/inspections/{w.inspection(True).pk}/"],
    ),
    "POST /api/v1/lookback/targets/": Write(
        _alice,
        lambda w: (w.user("campaign"), "/api/v1/lookback/targets/")[1],
        lambda w: {"town": w.district()["hutang"].pk, "kind": "rental", "name": "出租房甲", "address": "湖塘镇3号"},
        lambda w: ["/lookback/worklist/"],
    ),
    "POST /api/v1/lookback/targets/{id}/assign/": Write(
        _alice, lambda w: f"/api/v1/lookback/targets/{w.target().pk}/assign/", lambda w: {"inspector": w.user("ada").pk}
    ),
    "POST /api/v1/remediation/cases/{id}/enforcement/": Write(
        _dora,
        lambda w: f"/api/v1/remediation/cases/{w.case('confirmed', 'rectification').pk}/enforcement/",
        lambda w: {
            "kind": "fine",
            "legal_basis": "大气污染防治法第九十九条",
            "document_no": "武环罚〔2020〕1号",
            "decided_on": _today(),
            "amount": "5000",
            "note": "罚款",
        },
        lambda w: [f"/remediation/cases/{w.case('confirmed', 'rectification').pk}/ledger/"],
    ),
    "POST /api/v1/remediation/cases/{id}/item-done/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/cases/{w.case('half_done', 'rectification').pk}/item-done/",
        lambda w: {
            "item": _plan(w, "half_done").items.filter(state="open").first().pk,
            "done_on": _today(),
            "note": "已完成",
        },
        lambda w: [f"/remediation/cases/{w.case('half_done', 'rectification').pk}/ledger/"],
        files=_photo,
    ),
    "POST /api/v1/remediation/cases/{id}/plan/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/cases/{_unplanned(w).pk}/plan/",
        lambda w: {
            "responsible": "李四",
            "goal": "达标排放",
            "measures": "安装废气处理设施",
            "deadline": _today(20),
            "items": [{"category": "equipment", "text": "淘汰落后设备", "deadline": _today(20)}],
        },
        lambda w: [f"/cases/{_unplanned(w).pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/plan-decision/": Write(
        _dora,
        lambda w: f"/api/v1/remediation/cases/{_plan(w, 'confirmed').case_id}/plan-decision/",
        lambda w: {"id": _plan(w, "confirmed").pk, "approve": False, "note": "请补充措施"},
        lambda w: [f"/cases/{_plan(w, 'confirmed').case_id}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/review/": Write(
        _office,
        lambda w: f"/api/v1/remediation/cases/{w.case('awaiting_review').pk}/review/",
        _review_body,
        lambda w: [f"/remediation/cases/{w.case('awaiting_review').pk}/ledger/"],
    ),
    "POST /api/v1/remediation/cases/{id}/signoff/": Write(
        lambda w: _lead(w, "awaiting_signoff", "shutdown"),
        lambda w: f"/api/v1/remediation/cases/{w.case('awaiting_signoff').pk}/signoff/",
        lambda w: {"review": _review(w, "awaiting_signoff").pk, "sign": False, "note": "设备未清除"},
        lambda w: [f"/cases/{w.case('awaiting_signoff').pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/stop/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/cases/{w.case().pk}/stop/",
        lambda w: {"stopped_on": _today(), "document_no": "湖停字〔2020〕1号", "note": "已停产"},
        lambda w: [f"/cases/{w.case().pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/type/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/cases/{w.case('stopped').pk}/type/",
        lambda w: {"remediation_type": "rectification", "reason": "具备治理改造条件", "planned_completion": _today(30)},
        lambda w: [f"/cases/{w.case('stopped').pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/type-decision/": Write(
        lambda w: _lead(w, "proposed", "shutdown"),
        lambda w: f"/api/v1/remediation/cases/{w.case('proposed').pk}/type-decision/",
        lambda w: {
            "id": w.case("proposed").classifications.order_by("-id").first().pk,
            "approve": False,
            "note": "请补充依据",
        },
        lambda w: [f"/cases/{w.case('proposed').pk}/"],
    ),
    "POST /api/v1/remediation/notices/read/": Write(
        _alice, lambda w: (w.case("confirmed"), "/api/v1/remediation/notices/read/")[1], lambda w: {"ids": [1]}
    ),
    "POST /api/v1/remediation/tasks/{id}/block/": Write(
        _uma,
        lambda w: f"/api/v1/remediation/tasks/{_task(w).pk}/block/",
        lambda w: {"reason": "用户拒绝配合"},
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
    ),
    "POST /api/v1/remediation/tasks/{id}/complete/": Write(
        _uma,
        lambda w: f"/api/v1/remediation/tasks/{_task(w).pk}/complete/",
        _complete_body,
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
        files=_photo,
    ),
    "POST /api/v1/remediation/tasks/{id}/waive/": Write(
        lambda w: _lead(w, "confirmed", "shutdown"),
        lambda w: f"/api/v1/remediation/tasks/{_blocked_task(w).pk}/waive/",
        lambda w: {"reason": "该户未通电"},
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
    ),
    # Records entered by mistake: withdrawn with a reason by the town's manager, restored by the office admin.
    "POST /api/v1/lookback/targets/{id}/withdraw/": Write(
        _alice,
        lambda w: f"/api/v1/lookback/targets/{w.target().pk}/withdraw/",
        lambda w: {"reason": "录入错误"},
        lambda w: [f"/lookback/targets/{w.target().pk}/"],
    ),
    "POST /api/v1/lookback/targets/{id}/restore/": Write(
        _office,
        lambda w: f"/api/v1/lookback/targets/{_withdrawn_target(w).pk}/restore/",
        lambda w: {"reason": "并非重复"},
        lambda w: [f"/lookback/targets/{_withdrawn_target(w).pk}/"],
    ),
    "POST /api/v1/lookback/inspections/{id}/withdraw/": Write(
        _alice,
        lambda w: f"/api/v1/lookback/inspections/{w.inspection(True).pk}/withdraw/",
        lambda w: {"reason": "录入错误"},
        lambda w: [f"/lookback/inspections/{w.inspection(True).pk}/"],
    ),
    "POST /api/v1/lookback/inspections/{id}/restore/": Write(
        _office,
        lambda w: f"/api/v1/lookback/inspections/{_withdrawn_inspection(w).pk}/restore/",
        lambda w: {"reason": "场所无误"},
        lambda w: [f"/lookback/inspections/{_withdrawn_inspection(w).pk}/"],
    ),
    "POST /api/v1/lookback/inspections/{id}/reveal/": Write(
        _alice, lambda w: f"/api/v1/lookback/inspections/{_find(w).pk}/reveal/", lambda w: {"reason": "电话通知负责人"}
    ),
    "POST /api/v1/lookback/photos/{id}/withdraw/": Write(
        _alice,
        lambda w: f"/api/v1/lookback/photos/{_lookback_photo(w).pk}/withdraw/",
        lambda w: {"reason": "拍错场所"},
        lambda w: [f"/lookback/inspections/{_lookback_photo(w).inspection_id}/"],
    ),
    "POST /api/v1/lookback/photos/{id}/restore/": Write(
        _office,
        lambda w: f"/api/v1/lookback/photos/{_lookback_photo(w, True).pk}/restore/",
        lambda w: {"reason": "照片无误"},
        lambda w: [f"/lookback/inspections/{_lookback_photo(w, True).inspection_id}/"],
    ),
    "POST /api/v1/remediation/tasks/{id}/withdraw/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/tasks/{_task(w).pk}/withdraw/",
        lambda w: {"reason": "派发有误"},
        lambda w: [f"/remediation/tasks/{_task(w).pk}/"],
    ),
    "POST /api/v1/remediation/tasks/{id}/restore/": Write(
        _office,
        lambda w: f"/api/v1/remediation/tasks/{_withdrawn_task(w).pk}/restore/",
        lambda w: {"reason": "核实无误"},
        lambda w: [f"/remediation/tasks/{_withdrawn_task(w).pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/plan-withdrawal/": Write(
        _alice,
        lambda w: f"/api/v1/remediation/cases/{_plan(w, 'confirmed').case_id}/plan-withdrawal/",
        lambda w: {"id": _plan(w, "confirmed").pk, "reason": "录入错误"},
        lambda w: [f"/cases/{_plan(w, 'confirmed').case_id}/"],
    ),
    "POST /api/v1/imports/{id}/cancel/": Write(
        _alice,
        lambda w: f"/api/v1/imports/{_batch(w).pk}/cancel/",
        lambda w: {"reason": "传错了文件"},
        lambda w: [f"/imports/{_batch(w).pk}/"],
    ),
    "POST /api/v1/remediation/cases/{id}/plan-restoration/": Write(
        _office,
        lambda w: f"/api/v1/remediation/cases/{_withdrawn_plan(w).case_id}/plan-restoration/",
        lambda w: {"id": _withdrawn_plan(w).pk, "reason": "方案无误"},
        lambda w: [f"/cases/{_withdrawn_plan(w).case_id}/"],
    ),
}
# Operations whose body holds no text, number or date a user types, or whose fields are walked elsewhere.
ELSEWHERE = {
    "POST /api/v1/imports/": "the file: tests/test_hostile_corpus.py sends every hostile sheet; the rest are choices",
    "POST /api/v1/imports/{id}/confirm/": "a box only; a plan of hostile cells: test_an_import_of_hostile_cells_…",
    "POST /api/v1/imports/{id}/retry/": "no body",
    "POST /api/v1/lookback/targets/{id}/start/": "no body",
    "POST /api/v1/remediation/cases/{id}/review-request/": "no body",
    "POST /api/v1/lookback/inspections/{id}/photos/": "the photo: tests/test_hostile_corpus.py; item: a checklist code",
}


def _all_clear() -> dict[str, str]:
    from sanluanwu.lookback.tests.test_api import ALL_CLEAR_SHUT

    return ALL_CLEAR_SHUT


SCHEMA = _schema()
OPERATIONS = write_operations(SCHEMA)


def test_every_write_operation_of_the_schema_is_walked():
    assert set(OPERATIONS) == set(WRITES) | set(ELSEWHERE)


def _keys(body: Any, prefix: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
    """Every path a 400's body names ({"items": [{"text": [...]}]} names ("items", 0, "text"))."""
    out: set[tuple[str | int, ...]] = set()
    if isinstance(body, dict):
        for k, v in body.items():
            out.add((*prefix, k))
            out |= _keys(v, (*prefix, k))
    elif isinstance(body, list):
        for i, v in enumerate(body):
            if isinstance(v, dict | list):
                out |= _keys(v, (*prefix, i))
    return out


class Tries:
    def __init__(self, api: APIClient, page: Any, user: Any, path: str, method: str, shows: list[str],
                 files: dict[str, tuple[bytes, str]] | None = None) -> None:  # fmt: skip
        self.api, self.page, self.user, self.path, self.method, self.shows = api, page, user, path, method, shows
        self.files = files
        self.count = 0
        self.named: set[tuple[str | int, ...]] = set()

    def send(self, raw: str, what: str, show: bool = False) -> bool:
        self.count += 1
        with transaction.atomic():
            if self.files is None:
                response = getattr(self.api, self.method)(
                    self.path, raw.replace(LITERAL, ""), content_type="application/json"
                )
            else:  # a form: every value is text (a bare NaN is the word NaN)
                from django.core.files.uploadedfile import SimpleUploadedFile

                form = {k: v for k, v in json.loads(raw.replace(LITERAL, '"')).items() if v is not None}
                form.update({k: SimpleUploadedFile(name, data) for k, (data, name) in self.files.items()})
                response = getattr(self.api, self.method)(self.path, form, format="multipart")
            status = response.status_code
            # A file (the export) streams: its bytes are read, not shown.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert status in (200, 201, 400, 409), (what, status, body.decode("utf-8", "replace")[:300])
            text = "" if response.streaming else body.decode("utf-8", "replace")
            self.named = set()
            self.last = text[:300]
            if status >= 400:
                assert CJK.search(text), (what, text[:300])
                self.named = _keys(response.json())
            elif show and self.page is not None:
                for url in self.shows:
                    _escaped(self.page.get(url).content.decode(), self.user)
            transaction.set_rollback(True)
        return status < 400


LITERAL = "\u0002"  # where a bare literal starts and ends (a form sends it as text)


def _raw(body: dict[str, Any], fields: list[Field], literal: str) -> str:
    """The body with each field set to a bare JSON literal (NaN, Infinity, 1e309 are no strings)."""
    marker = "\u0001HOSTILE\u0001"
    for f in fields:
        body = _set(body, f.path, marker)
    return json.dumps(body, ensure_ascii=False).replace(json.dumps(marker), f"{LITERAL}{literal}{LITERAL}")


def _together(tries: Tries, body: dict[str, Any], fields: list[Field], value: Any, what: str, show: bool) -> None:
    """The value in all the fields at once; the fields a 400 names are done (refused, naming them), the others are
    tried again; a 400 naming none of them: each half again."""
    if not fields:
        return
    raw = json.dumps(_fill(body, fields, value), ensure_ascii=False)
    if tries.send(raw, f"{[f.path for f in fields]}={what}", show) or len(fields) == 1:
        return
    named = [f for f in fields if any(f.path[: len(k)] == k for k in tries.named if k and k[0] != "code")]
    rest = [f for f in fields if f not in named]
    if named:
        _together(tries, body, rest, value, what, show)
        return
    half = len(fields) // 2
    _together(tries, body, fields[:half], value, what, show)
    _together(tries, body, fields[half:], value, what, show)


def _fill(body: dict[str, Any], fields: list[Field], value: Any) -> dict[str, Any]:
    for f in fields:
        body = _set(body, f.path, value)
    return body


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("operation", list(WRITES))
def test_every_field_of_the_write_takes_hostile_input_without_a_server_error(operation, request, district):
    from django.test import Client

    write = WRITES[operation]
    world = World(request)
    path, user, body = write.path(world), write.persona(world), write.body(world)
    api = APIClient()
    page = None
    if not write.anonymous:
        api.force_authenticate(user)
        page = Client()
        page.force_login(user)
    method = operation.split()[0].lower()
    files = write.files(world) if write.files else None
    tries = Tries(api, page, None if write.anonymous else user, path, method, write.shows(world), files)
    as_is = tries.send(json.dumps(body, ensure_ascii=False), "the body as it stands")
    assert as_is, f"{operation}: refused as it stands: {tries.last}"
    schema_body = OPERATIONS[operation]
    fields = fields_of(SCHEMA, schema_body) if schema_body else []
    assert fields, f"{operation}: no field to try"
    texts = [f for f in fields if f.kind == "text"]
    for label, value in {**TOGETHER_TEXTS, "1 MB": hostile.MEGABYTE_TEXT}.items():
        _together(tries, body, texts, value, label, label in ("script", "attribute break", "template"))
    for n, f in enumerate(x for x in fields if x.kind == "number"):
        for k in range(3):
            tries.send(_raw(body, [f], NUMBERS[(3 * n + k) % len(NUMBERS)]), f"{f.path}={NUMBERS[(3 * n + k) % 10]}")
    for n, f in enumerate(x for x in fields if x.kind in ("date", "datetime")):
        values = ABSURD_DATETIMES if f.kind == "datetime" else ABSURD_DATES
        for k in range(3):
            tries.send(json.dumps(_set(body, f.path, values[(3 * n + k) % len(values)])), f"{f.path}")
    for f in (x for x in fields if x.kind == "map"):
        for label, value in TOGETHER_TEXTS.items():
            tries.send(json.dumps(_set(body, f.path, {value[:60]: value}), ensure_ascii=False), f"{f.path}={label}")
    assert tries.count
    if page is not None:
        assert page.get("/healthz/").status_code == 200
