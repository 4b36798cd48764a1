"""Refusals the user can act on: a database held by a long import (503), a method a page or API does not take (405),
a browser call without its CSRF token (403), each said in Chinese, never a 500 or an empty page."""

from __future__ import annotations

from django.db import OperationalError
from rest_framework.test import APIClient

from sanluanwu.registry import services


def test_a_save_that_finds_the_database_locked_is_a_503_on_the_page_and_the_api(client, alice, hutang_case,
                                                                                 monkeypatch):  # fmt: skip
    def locked(**_kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "update_case", locked)
    api = APIClient()
    api.force_authenticate(alice)
    response = api.patch(f"/api/v1/cases/{hutang_case.pk}/", {"version": hutang_case.version, "phone": "13900000000"},
                         format="json")  # fmt: skip
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "请稍等片刻后重试" in response.json()["detail"] and response.json()["code"] == "busy"
    assert "请稍等片刻后重试".encode() in response.content  # its Chinese as written, not \u-escaped

    from sanluanwu.registry.forms import CaseForm

    client.force_login(alice)
    data = {k: ("" if v is None else v) for k, v in CaseForm.initial_from_case(hutang_case).items()}
    data |= {"town": hutang_case.town_id, "planned_completion": hutang_case.planned_completion.isoformat()}
    page = client.post(f"/cases/{hutang_case.pk}/edit/", data)
    assert page.status_code == 503 and "系统繁忙" in page.content.decode() and "没有保存" in page.content.decode()


def test_other_database_errors_stay_server_errors(client, alice, hutang_case, monkeypatch):
    def broken(**_kwargs):
        raise OperationalError("no such table: registry_case")

    monkeypatch.setattr(services, "update_case", broken)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(alice)
    response = api.patch(f"/api/v1/cases/{hutang_case.pk}/", {"version": hutang_case.version}, format="json")
    assert response.status_code == 500


def test_a_method_a_page_does_not_take_is_told_in_chinese(client, alice, hutang_case):
    client.force_login(alice)
    response = client.get(f"/cases/{hutang_case.pk}/transition/")
    assert response.status_code == 405 and "请求方式有误" in response.content.decode() and response["Allow"]
    assert "退出" in response.content.decode()  # in the site's layout, the user's menu and logout still there
    # Said as what the official did, not in HTTP's words.
    assert "该地址不接受“打开”请求，只接受“提交”。" in response.content.decode()
    assert "OPTIONS" not in response.content.decode() and "POST" not in response.content.decode()
    deleted = client.delete(f"/cases/{hutang_case.pk}/")
    assert deleted.status_code == 405 and "该地址不接受“删除”请求，只接受“打开”" in deleted.content.decode()


def test_the_api_says_in_chinese_what_method_or_token_is_missing(alice, hutang_case):
    api = APIClient()
    api.force_authenticate(alice)
    gone = api.delete(f"/api/v1/cases/{hutang_case.pk}/")
    assert gone.status_code == 405 and gone.json()["detail"] == "该接口不支持 DELETE 请求"
    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="alice", password="Secret#2020")
    refused = browser.patch(f"/api/v1/cases/{hutang_case.pk}/", {"version": hutang_case.version}, format="json")
    assert refused.status_code == 403 and "CSRF 校验码" in refused.json()["detail"]
