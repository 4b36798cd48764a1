"""A write that finds the database held by a long import is told to try again (503, Chinese), never a 500."""

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
    assert "请稍等片刻后重试" in response.json()["detail"]

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
