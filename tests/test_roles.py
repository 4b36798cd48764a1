"""Every page and API route, as every persona, against the permission table (accounts/permissions.py).

Routes are found by walking the URL configuration, so a new route or action cannot escape: it must declare the
permission of each method (pages: @requires) or action (API: table_permissions), and then every persona gets
exactly what the table says — a 403 with the reason where it refuses, never a 403 where it allows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import make_case, make_user
from sanluanwu.accounts import permissions
from sanluanwu.accounts.decorators import ATTRIBUTE, BY_WORKFLOW_ACTION
from sanluanwu.accounts.scope import scope_for
from sanluanwu.registry.tests.test_scoping import PK_KINDS, _routes, _town_records
from sanluanwu.registry.workflow import TRANSITIONS

# Routes without business data or permissions of their own: the login, the health check, the icon, the API's schema, docs and
# token endpoint, and the home page that only redirects.
# account_password: every account changes its own password, nothing else (sanluanwu/accounts/views.py); likewise its
# own API tokens, two-factor device and sessions, and the login's code step (sanluanwu/accounts/security_views.py).
OPEN_ROUTES = {
    "login",
    "logout",
    "health",
    "favicon",
    "home",
    "api_schema",
    "api_docs",
    "api_token",
    "account_password",
    "account_tokens",
    "account_2fa",
    "account_sessions",
    "login_code",
}
PERSONAS = ["office", "office_staff", "leo", "alice", "ada", "bob", "dora", "uma", "sysadmin", "mia"]


@pytest.fixture
def office_staff(district: dict[str, Any]) -> Any:
    return make_user("olive", "office_staff", district["office"])


@pytest.fixture
def mia(district: dict[str, Any]) -> Any:
    """Manager in 牛塘镇 and only an inspector in 湖塘镇: a role counts in the town it is held in, not beyond."""
    from sanluanwu.accounts.models import Membership

    user = make_user("mia", "town_manager", district["niutang"])
    Membership.objects.create(user=user, org_unit=district["hutang"], role="town_inspector")
    return user


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


def declared(pattern: URLPattern) -> dict[str, str]:
    """{HTTP method: permission code} a route declares (a viewset maps methods to actions, each declared)."""
    callback = pattern.callback
    cls = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None)
    if cls is not None and actions:
        table = getattr(cls, "table_permissions", {})
        # HEAD answers as GET does (DRF maps it to the same action).
        return {method.upper(): table.get(action, "") for method, action in actions.items() if method != "head"}
    if cls is not None:
        return dict(getattr(cls, "table_permissions", {}))
    return dict(getattr(callback, ATTRIBUTE, {}))


def business_routes() -> list[tuple[str, str, URLPattern]]:
    return [(name, path, p) for name, path, p in _routes() if name not in OPEN_ROUTES
            and "format" not in p.pattern.regex.groupindex]  # fmt: skip


def test_every_route_declares_a_known_permission_for_each_method():
    routes = business_routes()
    assert len(routes) > 30
    for name, path, pattern in routes:
        table = declared(pattern)
        assert table, f"{name} ({path}) declares no permission: use @requires or table_permissions"
        for method, code in table.items():
            assert code in permissions.PERMISSIONS or code == BY_WORKFLOW_ACTION, f"{name} {method}: {code!r}"


def _url(name: str, path: str, pattern: URLPattern, records: dict[str, Any]) -> tuple[str, Any]:
    if "pk" not in pattern.pattern.regex.groupindex:
        return reverse(name), None
    marker = "<int:pk>" if "<int:pk>" in path else "(?P<pk>"
    segment = path.split(marker)[0].rstrip("/").split("/")[-1].lstrip("^")
    record = records[PK_KINDS[segment]]
    # A second id under a case (its classification, plan, item, review): the town's own when there is one.
    others = {p: getattr(records.get(SECOND_IDS.get(p, "")), "pk", 987654)
              for p in pattern.pattern.regex.groupindex if p != "pk"}  # fmt: skip
    return reverse(name, kwargs={"pk": record.pk, **others}), record


SECOND_IDS = {"cid": "classification", "plan_pk": "plan", "item_pk": "plan_item", "review_pk": "review"}


def _send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, method.lower())(url, data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(url, data=body)


def _town_of(record: Any) -> int | None:
    return getattr(record, "town_id", None) or getattr(getattr(record, "inspection", None), "town_id", None) or (
        getattr(record, "unit_id", None)) or getattr(getattr(record, "case", None), "town_id", None)  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_what_the_table_says_on_every_route(request, persona, alice, campaign, district):
    import datetime as dt

    from sanluanwu.core import clock

    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30)})
    records = _town_records(case)
    user = request.getfixturevalue(persona)
    scope = scope_for(user)
    client = Client()
    client.force_login(user)
    checked = 0
    for name, path, pattern in business_routes():
        url, record = _url(name, path, pattern, records)
        visible = record is None or scope.sees_district or _town_of(record) in scope.town_ids
        for method, code in declared(pattern).items():
            tries = [(f"case.{a}", {"action": a, "note": "核查"}) for a in TRANSITIONS] if code == BY_WORKFLOW_ACTION \
                else [(code, {})]  # fmt: skip
            for needed, body in tries:
                response = _send(client, method, url, body)
                status = response.status_code
                where = f"{method} {url} {body or ''} as {persona} ({needed}): {status}"
                if not permissions.allows(scope, "case.view" if code == BY_WORKFLOW_ACTION else needed):
                    assert status == 403, where  # refused at the door, whatever the record
                elif not visible:
                    assert status == 404, where
                elif permissions.allows(scope, needed, town_id=_town_of(record)) or record is None:
                    assert status != 403, where
                else:
                    assert status == 403, where
                checked += 1
    assert checked > 40


def test_a_refusal_names_the_role_and_what_it_may_not_do(leo, hutang_case):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(leo)
    response = api.post(f"/api/v1/cases/{hutang_case.pk}/transition/", {"action": "stop_production"}, format="json")
    assert response.status_code == 403
    assert "区领导" in response.json()["detail"] and "不能登记停产" in response.json()["detail"]


def test_the_table_says_what_each_role_may_do():
    """The decisions written in the table's docstring, as a few spot checks (the walk above covers every route)."""
    from sanluanwu.accounts.choices import Role
    from sanluanwu.accounts.scope import Scope

    def town_user(role: str) -> Scope:
        return Scope(user_id=1, roles=frozenset({role}), town_ids=frozenset({7}), town_roles=frozenset({(7, role)}))

    inspector, manager = town_user(Role.TOWN_INSPECTOR), town_user(Role.TOWN_MANAGER)
    for code in ("inspection.record", "case.stop_production", "lookback.add_place", "case.view"):
        assert permissions.allows(inspector, code, town_id=7)
    for code in ("case.edit", "case.create", "import.upload", "import.confirm", "lookback.assign", "inspection.amend",
                 "case.pass_review", "remediation.propose_type", "plan.edit"):  # fmt: skip
        assert not permissions.allows(inspector, code, town_id=7), code
        assert permissions.allows(manager, code, town_id=7) and not permissions.allows(manager, code, town_id=8), code
    # The lead department confirms the type and signs off (销号), on the cases assigned to it; no town role does.
    dept = Scope(user_id=6, roles=frozenset({Role.DEPARTMENT_STAFF}), department_ids=frozenset({9}))
    for code in ("case.start_remediation", "case.approve_closure", "plan.decide"):
        assert not permissions.allows(manager, code, town_id=7) and not permissions.allows(inspector, code, town_id=7)
        assert permissions.allows(dept, code, town_id=7, assigned=True) and not permissions.allows(
            dept, code, town_id=7
        )
    # A utility works its own tasks only: no list, no export, no case page.
    utility = Scope(user_id=7, roles=frozenset({Role.UTILITY_STAFF}), utility_ids=frozenset({10}))
    assert permissions.allows(utility, "task.complete", town_id=7, assigned=True)
    assert not any(permissions.allows(utility, c) for c in ("case.view", "case.export", "remediation.view"))
    assert not permissions.allows(utility, "person.view_masked")  # not even a masked number (core.masking.viewer)
    leader = Scope(user_id=2, roles=frozenset({Role.LEADER}), sees_district=True)
    assert permissions.allows(leader, "case.export", town_id=7)
    writes = [c for c in permissions.PERMISSIONS if c not in ("case.view", "case.export", "import.view",
                                                               "import.download", "lookback.view", "remediation.view",
                                                               "task.view", "ledger.download", "notice.view",
                                                               "report.view", "report.monitor", "workplan.view",
                                                               "brief.view", "summary.download",
                                                               "person.view_masked")]  # fmt: skip
    assert not any(permissions.allows(leader, c, town_id=7) for c in writes)
    admin = Scope(user_id=3, roles=frozenset({Role.SYSTEM_ADMIN}))
    assert [c for c in permissions.PERMISSIONS if permissions.allows(admin, c)] == ["reference.manage"]
    staff = Scope(user_id=4, roles=frozenset({Role.OFFICE_STAFF}), sees_district=True)
    assert not permissions.allows(staff, "case.reopen", town_id=7)
    assert permissions.allows(Scope(user_id=5, roles=frozenset({Role.OFFICE_ADMIN})), "case.reopen", town_id=7)
