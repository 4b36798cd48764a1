"""API tokens: hashed, shown once, expiring, listed and revoked by their owner; log out everywhere ends it all."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sanluanwu.accounts import sessions, tokens
from sanluanwu.accounts.models import ApiToken
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock


def _get(secret: str, path: str = "/api/v1/cases/") -> int:
    """200, or 401 for a refused token (DRF answers 403 as the session comes first; the code tells them apart)."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = api.get(path)
    if response.status_code == 403 and response.json()["code"] == "not_authenticated":
        return 401
    return response.status_code


def test_the_endpoint_issues_a_new_token_each_call_stored_only_as_its_hash(alice):
    api = APIClient()
    first = api.post("/api/v1/auth/token/", {"username": "alice", "password": "Secret#2020"}, format="json").json()
    second = api.post("/api/v1/auth/token/", {"username": "alice", "password": "Secret#2020"}, format="json").json()
    assert first["token"] != second["token"] and "expires_at" in first
    stored = ApiToken.objects.get(prefix=first["token"][:8])
    assert stored.key_hash == hashlib.sha256(first["token"].encode()).hexdigest()
    assert first["token"] not in str(list(ApiToken.objects.values()))
    assert _get(first["token"]) == 200 and _get(second["token"]) == 200
    assert AuditEvent.objects.filter(action="accounts.token.created", actor_username="alice").count() == 2


def test_a_token_expires_after_thirty_days_by_default_and_never_lasts_beyond_ninety(alice, settings):
    token, secret = tokens.create_token(actor=alice)
    assert token.expires_at - token.created_at == dt.timedelta(days=30)
    settings.API_TOKEN_DAYS = 365
    longest, _ = tokens.create_token(actor=alice)
    assert longest.expires_at - longest.created_at == dt.timedelta(days=90)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert _get(secret) == 401


def test_last_used_is_written_at_most_once_a_minute(alice, time_machine):
    time_machine.move_to(clock.now(), tick=False)
    token, secret = tokens.create_token(actor=alice)
    assert _get(secret) == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    time_machine.shift(dt.timedelta(seconds=30))
    assert _get(secret) == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    time_machine.shift(dt.timedelta(seconds=31))
    assert _get(secret) == 200
    token.refresh_from_db()
    assert token.last_used_at > first


def test_the_owner_lists_creates_and_revokes_tokens_in_the_page(alice, bob):
    client = Client()
    client.force_login(alice)
    created = client.post("/account/tokens/", {"name": "报表脚本"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=alice)
    secret = created.context["created"][1]
    assert secret in created.content.decode() and token.name == "报表脚本"
    listing = client.get("/account/tokens/").content.decode()
    assert token.prefix in listing and "报表脚本" in listing and secret not in listing  # shown once
    bobs, _ = tokens.create_token(actor=bob)
    assert client.post("/account/tokens/", {"revoke": bobs.pk}).status_code == 404  # someone else's: not found
    assert client.post("/account/tokens/", {"revoke": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and _get(secret) == 401
    assert AuditEvent.objects.filter(action="accounts.token.revoked", object_id=str(token.pk)).exists()


def test_a_wrong_or_unknown_token_is_refused(alice):
    assert _get("not-a-token") == 401


def test_log_out_everywhere_ends_every_session_and_token(alice):
    _token, secret = tokens.create_token(actor=alice)
    laptop, phone = Client(), Client()
    laptop.login(username="alice", password="Secret#2020")
    phone.force_login(alice)
    assert phone.get("/cases/").status_code == 200
    assert laptop.get("/account/sessions/").status_code == 200
    done = laptop.post("/account/sessions/")
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert laptop.get("/cases/").status_code == 302 and phone.get("/cases/").status_code == 302
    assert _get(secret) == 401
    assert AuditEvent.objects.filter(action="accounts.user.logged_out_everywhere", actor_username="alice").exists()
    again = Client()
    assert again.login(username="alice", password="Secret#2020") and again.get("/cases/").status_code == 200


def test_log_out_everywhere_is_a_service_with_an_actor(alice):
    sessions.log_out_everywhere(actor=alice)
    alice.refresh_from_db()
    assert alice.session_generation == 1


@pytest.mark.parametrize("header", ["Token", "Bearer"])
def test_only_the_token_scheme_is_read(alice, header):
    _token, secret = tokens.create_token(actor=alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{header} {secret}")
    response = api.get("/api/v1/cases/")
    assert response.status_code == 200 if header == "Token" else response.json()["code"] == "not_authenticated"


def test_the_token_endpoints_refusals_carry_a_code_as_every_other_refusal_does(alice):
    api = APIClient()
    wrong = api.post("/api/v1/auth/token/", {"username": "alice", "password": "not-it"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["用户名或密码不正确，或账号已被暂时锁定"], "code": "login_failed"}
    missing = api.post("/api/v1/auth/token/", {"username": "alice"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid" and missing.json()["password"]


def test_the_token_endpoint_reads_a_full_width_user_name_as_the_login_page_does(alice):
    # helper-46: ａｌｉｃｅ logged in on the page (Django's UsernameField folds it) but was refused a token.
    from rest_framework.test import APIClient

    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "ａｌｉｃｅ", "password": "Secret#2020"}, format="json"
    )
    assert answer.status_code == 201
