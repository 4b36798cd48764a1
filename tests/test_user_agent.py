"""A hostile User-Agent header (100 KB; control characters and a NUL) is no server error: on the login paths (shown,
failed, locked, succeeded), a list page and the API. The audit events do not record the header; the one place that
stores it, the login-failure records of axes (and the tries against a locked account counted for the address
throttle), keeps it cleaned and cut to its 255-character column (PostgreSQL refuses a NUL in text: a 500)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from rest_framework.test import APIClient

from sanluanwu.audit.models import AuditEvent

OLD = "Secret#2020"  # conftest.make_user's password
AGENTS = {
    "100 KB": "Mozilla/5.0 " + "A" * 100_000,
    "controls": "Mozilla/5.0\x00 (X11;\x01\x1b[31m \u202etxt.exe\r\n) evil\x7f",
}


@pytest.fixture(params=list(AGENTS))
def agent(request: pytest.FixtureRequest) -> str:
    return AGENTS[request.param]


def _stored_agents() -> list[str]:
    return [*AccessAttempt.objects.values_list("user_agent", flat=True),
            *AccessFailureLog.objects.values_list("user_agent", flat=True)]  # fmt: skip


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/v1/auth/token/"])
def test_the_login_paths_answer_failures_locks_and_success_whatever_the_user_agent(alice, sysadmin, agent, path):
    client = Client(HTTP_USER_AGENT=agent)
    username = sysadmin.username if path == "/admin/login/" else "alice"
    if path != "/api/v1/auth/token/":
        assert client.get(path).status_code in {200, 302}
    for _ in range(6):  # five failures lock alice; the sixth is a try against the locked account
        failed = client.post(path, {"username": username, "password": "wrong-password"})
        assert failed.status_code in {200, 400}, failed.content.decode()[:300]
    stored = _stored_agents()
    assert len(stored) == 2 and all(len(a) <= 255 and "\x00" not in a and "\x1b" not in a for a in stored)
    assert AuditEvent.objects.filter(action="accounts.login.failed").count() == 6
    assert all("AAAA" not in e.note and "\x00" not in e.note for e in AuditEvent.objects.all())
    AccessAttempt.objects.all().delete()  # as the security admin's unlock would
    ok = client.post(path, {"username": username, "password": OLD})
    assert ok.status_code in {201, 302}, ok.content.decode()[:300]


def test_a_list_page_and_the_api_answer_whatever_the_user_agent(alice, hutang_case, agent):
    page = Client(HTTP_USER_AGENT=agent)
    page.force_login(alice)
    assert page.get("/cases/").status_code == 200
    api = APIClient(HTTP_USER_AGENT=agent)
    token = api.post("/api/v1/auth/token/", {"username": "alice", "password": OLD}, format="json")
    assert token.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    listed = api.get("/api/v1/cases/")
    assert listed.status_code == 200 and listed.json()["results"][0]["id"] == hutang_case.pk
    assert api.get(f"/api/v1/cases/{hutang_case.pk}/").status_code == 200
