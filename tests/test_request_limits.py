"""Django's request limits answer 400 with a Chinese message: JSON in the API, a page (or the page's form) otherwise."""

from __future__ import annotations

import json

from django.conf import settings as django_settings
from rest_framework.test import APIClient


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_limits_are_set_deliberately():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FILES == 20
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024


def test_a_json_body_over_the_limit_is_a_400_in_chinese(alice, campaign):
    body = json.dumps({"inspectors": "x" * (3 * 1024 * 1024)})
    response = _api(alice).patch("/api/v1/lookback/inspections/1/", body, content_type="application/json")
    assert response.status_code in (400, 404)  # scope is checked first for a missing inspection
    response = _api(alice).post("/api/v1/lookback/targets/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容过大：除上传文件外不超过 2 MB", "code": "request_too_large"}


def test_a_form_body_over_the_limit_is_a_chinese_page(client, alice, campaign):
    client.force_login(alice)
    response = client.post("/lookback/places/new/", {"name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 400
    assert "请求内容过大：除上传文件外不超过 2 MB" in response.content.decode()


def test_json_nested_too_deeply_is_a_400(alice, campaign):
    body = "[" * 100_000 + "]" * 100_000
    response = _api(alice).post("/api/v1/lookback/targets/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_invalid_json_is_a_400_in_chinese(alice, campaign):
    response = _api(alice).post("/api/v1/lookback/targets/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容无法解析：应为有效的 JSON（或表单）", "code": "parse_error"}


def test_a_json_body_that_is_no_object_is_a_400_in_chinese_everywhere(alice, hutang_case):
    api = _api(alice)
    for raw in ("[null, null]", '"x"', "1", "null"):
        for method, path in (("put", f"/api/v1/cases/{hutang_case.pk}/"), ("patch", f"/api/v1/cases/{hutang_case.pk}/"),
                             ("patch", f"/api/v1/enterprises/{hutang_case.enterprise_id}/"),
                             ("post", "/api/v1/cases/")):  # fmt: skip
            response = getattr(api, method)(path, raw, content_type="application/json")
            assert response.status_code == 400, (method, path, raw)
            assert response.json()["detail"].startswith("请求内容应为 JSON 对象")


def test_an_export_for_an_unknown_or_odd_town_is_not_a_server_error(alice, hutang_case):
    api = _api(alice)
    # A town that does not exist answers like one out of scope (404); a value that is not a town id is a 400.
    for town, status in (("11421", 404), ("99999999999999999999", 400), ("²", 400), ("-1", 400)):
        assert api.get(f"/api/v1/cases/export/?town={town}").status_code == status, town
        assert api.get(f"/api/v1/cases/?town={town}").status_code == status, town


def test_a_lone_surrogate_anywhere_in_a_json_body_is_a_400_not_a_500(alice, hutang_case):
    api = _api(alice)
    for method, path, raw in (
        ("patch", f"/api/v1/cases/{hutang_case.pk}/", '{"version": 1, "licence_status": "\\ud800"}'),
        ("post", "/api/v1/cases/", '{"remediation_type": "\\ud800", "name": "a"}'),
        ("post", "/api/v1/lookback/targets/", '{"town": 1, "kind": "\\ud800", "name": "a", "address": "b"}'),
        ("patch", "/api/v1/lookback/inspections/1/", '{"version": 1, "answers": {"\\udfff": "yes"}}'),
        ("post", "/api/v1/lookback/inspections/1/amend/", '{"reason": "r", "changes": {"\\ud800": "x"}}'),
    ):
        response = getattr(api, method)(path, raw, content_type="application/json")
        assert response.status_code in (400, 404), (path, response.status_code)
        if response.status_code == 400:
            assert "代理项" in response.json()["detail"], response.json()
