from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock
from sanluanwu.registry.models import Case


def _payload(district: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "张三塑料造粒作坊",
        "industry": "塑料造粒",
        "address": "湖塘镇新华村人民路1号",
        "town": district["hutang"].pk,
        "coordinates": "31.7250, 119.9650",
        "legal_person": "张三",
        "licence_status": "unlicensed",
        "lookback_category": 1,
        "responsible_person": "李四",
        "remediation_type": "shutdown",
        "planned_completion": (clock.today() + dt.timedelta(days=20)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_token_is_issued_for_username_and_password_as_a_created_resource(alice):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "Secret#2020"}, format="json")
    assert response.status_code == 201
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    # What clients are told: 201 for the token, 400 for a refusal (one answer for every failure), 429 when throttled.
    assert set(schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]) == {"201", "400", "429"}


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400


def test_the_api_requires_authentication(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code in (401, 403)
    assert "登录" in response.json()["detail"]


def test_creating_a_case_through_the_api_applies_the_same_rules_and_audit(alice, campaign, district):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post("/api/v1/cases/", _payload(district), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["enterprise"]["longitude"] == "119.965000"
    assert body["lookback_category_display"].startswith("第一类")
    assert sorted(body["allowed_actions"]) == ["stop_production", "withdraw"]  # 误列: the town may withdraw it
    assert AuditEvent.objects.filter(action="registry.case.created", object_id=str(body["id"])).exists()


def test_api_errors_are_json_with_field_names_and_chinese_messages(alice, campaign, district):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post(
        "/api/v1/cases/", _payload(district, name="塑料厂", coordinates="121.47, 31.23"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "张三塑料造粒作坊" in body["name"][0]
    assert "不在武进区范围内" in body["coordinates"][0]


def test_warnings_answer_409_until_acknowledged(alice, campaign, district):
    client = APIClient()
    client.force_authenticate(alice)
    assert client.post("/api/v1/cases/", _payload(district), format="json").status_code == 201
    second = _payload(district, name="张三塑料造粒个体户", coordinates="31.725100, 119.965200")  # the same, 20 m off
    response = client.post("/api/v1/cases/", second, format="json")
    assert response.status_code == 409
    assert response.json()["warnings"][0]["kind"] == "same_person"
    response = client.post("/api/v1/cases/", {**second, "acknowledge_warnings": True}, format="json")
    assert response.status_code == 201


def test_patch_changes_only_what_is_sent_and_checks_the_version(alice, hutang_case):
    client = APIClient()
    client.force_authenticate(alice)
    url = f"/api/v1/cases/{hutang_case.pk}/"
    response = client.patch(url, {"progress_note": "已断电", "version": hutang_case.version}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["progress_note"] == "已断电"
    assert response.json()["enterprise"]["name"] == hutang_case.enterprise.name
    stale = client.patch(url, {"progress_note": "已断水", "version": hutang_case.version}, format="json")
    assert stale.status_code == 409


@pytest.mark.parametrize("kind", ["cases", "enterprises"])
def test_a_change_without_the_version_read_is_refused_so_no_concurrent_change_is_lost(alice, hutang_case, kind):
    client = APIClient()
    client.force_authenticate(alice)
    pk = hutang_case.pk if kind == "cases" else hutang_case.enterprise_id
    url = f"/api/v1/{kind}/{pk}/"
    version = client.get(url).json()["version"]
    for method in ("patch", "put"):
        response = getattr(client, method)(url, {"village": "东方村"}, format="json")
        assert response.status_code == 400 and "版本号" in response.json()["version"][0]
    # Two users read version n and change different fields: the second is told, not silently overwriting.
    assert client.patch(url, {"village": "新华村", "version": version}, format="json").status_code == 200
    second = client.patch(url, {"phone": "13900002222", "version": version}, format="json")
    assert second.status_code == 409


@pytest.mark.parametrize("kind", ["cases", "enterprises"])
@pytest.mark.parametrize("sent", ["+1", "1.0", " 1e0", "-1", "１", "99999999999999999999", 2**31, 2**70])
def test_a_version_with_a_sign_a_decimal_point_or_out_of_range_is_refused_with_a_chinese_400(
    alice, hutang_case, kind, sent
):
    client = APIClient()
    client.force_authenticate(alice)
    pk = hutang_case.pk if kind == "cases" else hutang_case.enterprise_id
    url = f"/api/v1/{kind}/{pk}/"
    assert client.get(url).json()["version"] == 1  # "+1", "1.0" would otherwise be read as the right version
    response = client.patch(url, {"village": "东方村", "version": sent}, format="json")
    assert response.status_code == 400, response.content.decode()[:300]
    assert re.search(r"[\u4e00-\u9fff]", response.json()["version"][0])  # ours, or the field's minimum for "-1"
    assert client.get(url).json()["version"] == 1


def test_a_body_that_is_not_an_object_is_a_400(alice, hutang_case):
    client = APIClient()
    client.force_authenticate(alice)
    for body in ("[1, 2]", '"text"', "3", "null", "{not json"):
        response = client.patch(f"/api/v1/cases/{hutang_case.pk}/", body, content_type="application/json")
        assert response.status_code == 400, (body, response.status_code)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_a_non_finite_number_anywhere_in_a_body_is_a_400_even_in_read_only_fields(alice, hutang_case, number):
    client = APIClient()
    client.force_authenticate(alice)
    url = f"/api/v1/enterprises/{hutang_case.enterprise_id}/"
    version = client.get(url).json()["version"]
    for body in (
        f'{{"longitude": {number}, "latitude": 31.7, "version": {version}}}',  # read-only coordinates
        f'{{"version": {version}, "extra": {{"deep": [1, {number}]}}}}',  # a key no serializer reads
    ):
        response = client.patch(url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content.decode()[:200])
        assert "有限数" in response.json()["detail"] and response.json()["code"] == "parse_error"
    # Every endpoint parses its body the same way: a workflow step too.
    transition = client.post(f"/api/v1/cases/{hutang_case.pk}/transition/",
                             f'{{"action": "withdraw", "note": "误列", "n": {number}}}',
                             content_type="application/json")  # fmt: skip
    assert transition.status_code == 400 and "有限数" in transition.json()["detail"]
    hutang_case.refresh_from_db()
    assert hutang_case.status == "listed" and hutang_case.enterprise.version == version


def test_transitions_through_the_api(alice, office, hutang_case):
    client = APIClient()
    client.force_authenticate(alice)
    url = f"/api/v1/cases/{hutang_case.pk}/transition/"
    # The stop is a record: the plain transition endpoint refuses it and says where it is done.
    stop = client.post(url, {"action": "stop_production"}, format="json")
    assert stop.status_code == 409 and "登记停产记录" in stop.json()["non_field_errors"][0]
    assert client.post(url, {"action": "approve_closure"}, format="json").status_code == 403  # the lead department's
    client.force_authenticate(office)
    refused = client.post(url, {"action": "reopen", "note": "复产"}, format="json")  # an open case: not in this state
    assert refused.status_code == 409 and "不能执行" in refused.json()["non_field_errors"][0]


def test_list_filters_and_keyset_cursors(office, campaign, district):
    from conftest import make_case

    for i in range(5):
        make_case(
            office,
            district["hutang"],
            name=f"张{i}塑料造粒作坊",
            legal_person=f"张{i}",
            coordinates=f"119.96{i}, 31.72{i}",
        )
    client = APIClient()
    client.force_authenticate(office)
    first = client.get("/api/v1/cases/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in first["results"]})
    found = client.get("/api/v1/cases/", {"q": "张3"}).json()
    assert [r["enterprise"]["name"] for r in found["results"]] == ["张3塑料造粒作坊"]


def test_enterprises_api_creates_and_updates(alice, campaign, district):
    client = APIClient()
    client.force_authenticate(alice)
    payload = {
        k: v
        for k, v in _payload(district).items()
        if k in {"name", "industry", "address", "town", "coordinates", "legal_person", "licence_status"}
    }
    created = client.post("/api/v1/enterprises/", payload, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/enterprises/{created.json()['id']}/"
    updated = client.patch(url, {"village": "新华村", "version": created.json()["version"]}, format="json")
    assert updated.status_code == 200 and updated.json()["village"] == "新华村"
    assert not Case.objects.exists()


def test_the_schema_and_its_docs_are_not_given_to_anyone_not_logged_in(db, client):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    assert APIClient().get("/api/v1/schema/", {"format": "json"}).status_code == 401
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/")


def test_the_schema_and_docs_are_served_without_outside_assets(alice, client):
    client.force_login(alice)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/cases/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


@pytest.mark.parametrize("method", ["delete"])
def test_business_records_cannot_be_deleted_through_the_api(alice, hutang_case, method):
    client = APIClient()
    client.force_authenticate(alice)
    assert getattr(client, method)(f"/api/v1/cases/{hutang_case.pk}/").status_code == 405


def test_a_sorted_list_takes_no_position_and_a_position_is_one_way(alice, hutang_case):
    # helper-49: ?sort=name&after=5 answered page 1 and ?after=1&before=2 used before, both silently.
    api = APIClient()
    api.force_authenticate(alice)
    sorted_after = api.get("/api/v1/cases/", {"sort": "name", "after": "5"})
    assert sorted_after.status_code == 400 and "按页码 page 翻页" in sorted_after.json()["after"][0]
    both = api.get("/api/v1/cases/", {"after": "1", "before": "2"})
    assert both.status_code == 400 and "不能同时使用" in both.json()["before"][0]
    assert api.get("/api/v1/cases/", {"sort": "name", "page": "1"}).status_code == 200
