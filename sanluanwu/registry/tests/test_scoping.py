"""A town user never sees another town's records: every page and API route is found here, not listed by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Routes that hold no business data (login, logout, health, the API schema and docs, the token endpoint).
NO_BUSINESS_DATA = {"login", "logout", "health", "favicon", "home", "api_schema", "api_docs", "api_token",
                    "account_password", "account_tokens", "account_2fa", "account_sessions", "login_code",
                    "lookback-checklist"}  # fmt: skip
# Which object a route's pk names, by the path segment before it; an unknown detail route fails the test.
PK_KINDS = {
    "cases": "case",
    "enterprises": "enterprise",
    "imports": "batch",
    "targets": "target",
    "inspections": "inspection",
    "photos": "photo",
    "tasks": "task",
    "evidence": "evidence",
    "periods": "period",
    "slots": "slot",
    "reports": "report",
    "workplans": "workplan",
    "briefs": "brief",
    "brief-photos": "brief_photo",
    "campaigns": "campaign",
    "clashes": "clash",
}


def _routes(patterns: list[Any] | None = None, ns: str = "", prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            new_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _routes(p.url_patterns, new_ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield ns + p.name, prefix + str(p.pattern), p


def _params(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex) - {"format"}


def _routes_with(kind: str) -> list[tuple[str, str]]:
    found = []
    for name, path, pattern in _routes():
        params = _params(pattern)
        if name in NO_BUSINESS_DATA or "format" in pattern.pattern.regex.groupindex:
            continue
        if (kind == "list" and not params) or (kind == "detail" and params):
            found.append((name, path))
    return found


def _body(response: Any) -> str:
    """Everything a response shows: HTML, JSON, or every XML part of a downloaded spreadsheet."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw.startswith(b"PK"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return raw.decode("utf-8", "replace")


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pk_for(path: str, case: Any) -> int:
    """The id of town A's record of the kind named by the path segment just before the pk."""
    marker = "<int:pk>" if "<int:pk>" in path else "(?P<pk>"
    segment = path.split(marker)[0].rstrip("/").split("/")[-1].lstrip("^")
    assert segment in PK_KINDS, f"{path}: unknown detail route; add it to PK_KINDS so the outsider test covers it"
    records = _town_records(case)
    return records[PK_KINDS[segment]].pk


def _reporting_records(case: Any, actor: Any) -> dict[str, Any]:
    """The town's report of the current period, its work plan and a brief with a photo, each named after the case's
    enterprise (the report's rows hold it)."""
    from sanluanwu.core import clock
    from sanluanwu.lookback.tests.test_photos import jpeg_with_exif
    from sanluanwu.reporting import services as reporting
    from sanluanwu.reporting.models import Brief, Period, Slot, WorkPlan

    period = Period.objects.filter(campaign=case.campaign, starts_on__lte=clock.today()).order_by("-starts_on").first()
    slot = Slot.objects.get(period=period, unit=case.town)
    report = slot.reports.first() or reporting.submit_report(actor=actor, slot=slot, filler=case.enterprise.name,
                                                             reviewer="审核人", phone="0519-86000000")  # fmt: skip
    plan = WorkPlan.objects.filter(unit=case.town).first() or reporting.upload_workplan(
        actor=actor, campaign=case.campaign, unit=case.town, title=f"{case.enterprise.name}所在镇工作方案",
        filename="方案.pdf", content=b"%PDF-1.4 demo")  # fmt: skip
    brief = Brief.objects.filter(unit=case.town).first() or reporting.save_brief(
        actor=actor, campaign=case.campaign, unit=case.town, month=clock.today(), title=f"{case.enterprise.name}已停产",
        text=case.enterprise.name, photos_in=[reporting.PhotoUpload("a.jpg", jpeg_with_exif())], submit=True)  # fmt: skip
    slot.refresh_from_db()
    return {"period": period, "slot": slot, "report": report, "workplan": plan, "brief": brief,
            "brief_photo": brief.photos.first(), "campaign": case.campaign}  # fmt: skip


def _town_records(case: Any) -> dict[str, Any]:
    """One record of every kind for the case's town, made through the services by a user of that town.

    Each carries the enterprise's name, so a list that leaks it is caught by name.
    """
    from sanluanwu.imports.models import ImportBatch
    from sanluanwu.imports.services import upload_import
    from sanluanwu.lookback import services as lookback
    from sanluanwu.lookback.models import Inspection, Photo, Target
    from sanluanwu.lookback.tests.test_photos import jpeg_with_exif

    actor = case.created_by
    batch = ImportBatch.objects.filter(unit=case.town).first() or upload_import(
        actor=actor, data=f"企业名称,行业类别\n{case.enterprise.name},塑料造粒\n".encode(),
        filename=f"{case.enterprise.name}.csv", kind="list", unit=case.town)  # fmt: skip
    target = Target.objects.filter(town=case.town).first() or lookback.add_place(
        actor=actor, campaign=case.campaign, town=case.town, kind="rental", name=case.enterprise.name,
        address=case.enterprise.address)  # fmt: skip
    inspection = Inspection.objects.filter(target=target).first() or lookback.start_inspection(
        actor=actor, target=target
    )
    photo = Photo.objects.filter(inspection=inspection).first() or lookback.add_photo(
        actor=actor, inspection=inspection, data=jpeg_with_exif(), filename=f"{case.enterprise.name}.jpg")  # fmt: skip
    if case.status == "listed":  # the remediation work: a stop record with its photo, the town's own tasks
        from conftest import walk_case
        from sanluanwu.remediation.models import TaskKind

        # Only the town's own tasks: a utility's or department's task is theirs to see (they are not outsiders).
        TaskKind.objects.exclude(owner_kind="town").update(is_active=False)
        walk_case(case, "confirmed")
    reporting = _reporting_records(case, actor)
    # An office-only record (a credit-code clash): made directly, since a real one needs two towns' enterprises;
    # registry/tests/test_personal_data.py builds one through the services.
    from sanluanwu.core import clock
    from sanluanwu.registry.models import CreditCodeClash

    clash = CreditCodeClash.objects.filter(enterprise=case.enterprise).first() or CreditCodeClash.objects.create(
        credit_code="91320412MA1XXXXXXX", enterprise=case.enterprise, holder=case.enterprise, raised_at=clock.now()
    )
    return {**reporting, "clash": clash, "case": case, "enterprise": case.enterprise, "batch": batch, "target": target,
            "inspection": inspection,
            "photo": photo, "task": case.tasks.order_by("id").first(), "evidence": case.evidence.order_by("id").first(),
            "classification": case.classifications.order_by("id").first()}  # fmt: skip


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


def _params_for(name: str, case: Any) -> dict[str, Any]:
    """Search routes get the attack that matters: looking for town A's record by its own name and place."""
    if name == "lookback-candidates":
        e = case.enterprise
        return {"town": case.town_id, "name": e.name, "phone": e.phone, "lon": e.longitude, "lat": e.latitude}
    return {"q": ""}


def test_the_route_walk_finds_the_pages_and_the_api(district):
    lists = {name for name, _ in _routes_with("list")}
    assert {"registry:case_list", "registry:enterprise_list", "case-list", "enterprise-list"} <= lists
    details = {name for name, _ in _routes_with("detail")}
    assert {"registry:case_detail", "registry:case_edit", "case-detail", "case-transition"} <= details


@pytest.mark.parametrize("persona", ["bob", "dora", "uma"])
def test_no_list_shows_another_towns_records(request, persona, hutang_case, niutang_case):
    _town_records(hutang_case)
    user = request.getfixturevalue(persona)
    client = _login(user)
    secrets = [hutang_case.enterprise.name, hutang_case.enterprise.address, hutang_case.enterprise.phone]
    for name, path in _routes_with("list"):
        response = client.get(reverse(name), _params_for(name, hutang_case))
        if response.status_code in (403, 405):
            continue
        if name == "lookback-candidates" and response.status_code == 404:
            continue  # asked about another town by its id: not there, as every other route answers
        assert response.status_code == 200, f"{path}: {response.status_code}"
        body = _body(response)
        for secret in secrets:
            assert secret not in body, f"{path} shows {secret!r} to {persona}"
        if response["Content-Type"].startswith("application/json"):
            data = json.loads(body)
            rows = data if isinstance(data, list) else data.get("results", [])
            ids = {row.get("id", row.get("enterprise_id")) for row in rows if isinstance(row, dict)}
            assert hutang_case.pk not in ids and hutang_case.enterprise_id not in ids


def test_a_town_user_sees_own_records_in_every_list(bob, niutang_case):
    _town_records(niutang_case)  # town B's own records, named after its enterprise
    client = _login(bob)
    for name, path in _routes_with("list"):
        if not name.endswith(("list", "export")):
            continue  # a form page, not a list
        response = client.get(reverse(name))
        if response.status_code == 200:
            assert niutang_case.enterprise.name in _body(response), path


@pytest.mark.parametrize("persona", ["bob", "dora", "uma"])
def test_every_detail_route_answers_for_another_towns_record_as_for_a_missing_one(request, persona, hutang_case):
    """404 (or, when the role may not use the route at all, the same 403 a missing id gets): existence is not told."""
    client = _login(request.getfixturevalue(persona))
    for name, path in _routes_with("detail"):
        # A route under a case with a second id (a plan, a review …): the case's id is what scoping checks first.
        others = {p: 987654 for p in _params(dict((n, pt) for n, _x, pt in _routes())[name]) - {"pk"}}
        url = reverse(name, kwargs={"pk": _pk_for(path, hutang_case), **others})
        missing = reverse(name, kwargs={"pk": 987654, **others})
        for method in ("get", "post", "put", "patch"):
            answers = []
            for target in (url, missing):
                response = getattr(client, method)(
                    target,
                    data=json.dumps({}) if method in ("put", "patch") else {},
                    content_type="application/json"
                    if method in ("put", "patch")
                    else "application/x-www-form-urlencoded",
                )
                assert response.status_code in (403, 404, 405), (
                    f"{method.upper()} {target} as {persona}: {response.status_code}"
                )
                assert hutang_case.enterprise.name not in _body(response)
                answers.append(response.status_code)
            assert answers[0] == answers[1], (
                f"{method.upper()} {url} as {persona}: {answers[0]}, missing id: {answers[1]}"
            )


def test_guessed_ids_answer_404_like_missing_ones(bob, hutang_case):
    client = _login(bob)
    assert client.get(f"/cases/{hutang_case.pk}/").status_code == 404
    assert client.get("/cases/999999/").status_code == 404
    assert client.get(f"/api/v1/cases/{hutang_case.pk}/").status_code == 404
    assert client.get(f"/api/v1/enterprises/{hutang_case.enterprise_id}/").status_code == 404


def test_office_and_leader_see_every_town(office, leo, hutang_case, niutang_case):
    for user in (office, leo):
        body = _login(user).get("/cases/").content.decode()
        assert hutang_case.enterprise.name in body and niutang_case.enterprise.name in body


def test_a_town_user_cannot_move_a_record_into_another_town(alice, hutang_case, district):
    from conftest import case_input, enterprise_input
    from sanluanwu.core.errors import ValidationFailed
    from sanluanwu.registry import services

    with pytest.raises(ValidationFailed) as exc:
        services.update_case(
            actor=alice,
            case=hutang_case,
            case_data=case_input(),
            enterprise_data=enterprise_input(district["niutang"], coordinates="119.9050, 31.7350"),
        )
    assert "town" in exc.value.errors


def test_counts_on_the_list_include_only_own_records(bob, hutang_case, niutang_case):
    body = _login(bob).get("/cases/").content.decode()
    assert "共 1 条" in body
    data = _login(bob).get("/api/v1/cases/").json()
    assert data["count"] == 1


def test_the_town_filter_cannot_widen_the_scope(bob, hutang_case, district):
    """Another town, or one that does not exist, answers 404 like any record out of scope (never its rows, never a
    sheet titled with its name, never a 500)."""
    client = _login(bob)
    for town in (district["hutang"].pk, 987654):
        for url in ("/api/v1/cases/", "/api/v1/cases/export/", "/cases/", "/cases/export/", "/enterprises/"):
            response = client.get(url, {"town": town})
            assert response.status_code == 404, (url, town, response.status_code)
            assert hutang_case.enterprise.name not in _body(response)


def test_a_leader_is_read_only(leo, hutang_case):
    client = _login(leo)
    assert client.get("/cases/new/").status_code == 403
    response = client.post("/api/v1/cases/", {}, content_type="application/json")
    assert response.status_code in (400, 403)
    response = client.post(f"/cases/{hutang_case.pk}/transition/", {"action": "stop_production"})
    assert response.status_code == 403 and "不能登记停产" in response.content.decode()
    hutang_case.refresh_from_db()
    assert hutang_case.status == "listed"


def test_a_non_staff_user_cannot_open_the_admin(alice):
    response = _login(alice).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
