"""三员分立: system, security and audit admins see no business data, and nobody grants themselves a role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from conftest import give_totp_device, make_user
from sanluanwu.accounts import permissions, rolechanges
from sanluanwu.accounts.admin_groups import sync_admin_groups
from sanluanwu.accounts.choices import ADMIN_ROLES, Role
from sanluanwu.accounts.models import Membership, RoleChangeRequest, User
from sanluanwu.accounts.scope import Scope
from sanluanwu.accounts.tests.adminforms import form_values
from sanluanwu.audit.models import AuditEvent
from sanluanwu.audit.services import record_event
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied


def _admin(username: str, role: str, district, *, staff: bool = True) -> User:
    user = make_user(username, role, district["office"])
    user.is_staff = staff
    user.save()
    user.groups.set([sync_admin_groups()[role]])
    give_totp_device(user)
    return user


@pytest.fixture
def sys_admin(district) -> User:
    return _admin("sys", Role.SYSTEM_ADMIN, district)


@pytest.fixture
def sec_admin(district) -> User:
    return _admin("sec", Role.SECURITY_ADMIN, district)


@pytest.fixture
def auditor(district) -> User:
    return _admin("aud", Role.AUDIT_ADMIN, district, staff=False)


def test_no_admin_role_holds_a_business_permission():
    allowed = {role: {c for c in permissions.PERMISSIONS if permissions.allows(Scope(user_id=1, roles=frozenset({role})), c)}
               for role in ADMIN_ROLES}  # fmt: skip
    assert allowed == {
        Role.SYSTEM_ADMIN: {"reference.manage"},
        Role.SECURITY_ADMIN: {"security.events", "security.unlock", "security.reset_2fa"},
        Role.AUDIT_ADMIN: {"security.events", "audit.view"},
    }


def test_the_admin_shows_each_admin_role_only_its_own_models(sys_admin, sec_admin, auditor):
    business = ("/admin/registry/", "/admin/lookback/", "/admin/reporting/", "/admin/imports/importbatch/")
    for user, sees, not_sees in (
        (sys_admin, ["/admin/accounts/user/", "/admin/accounts/orgunit/", "/admin/imports/valuesynonym/"], []),
        (sec_admin, ["/admin/accounts/user/", "/admin/accounts/rolechangerequest/"],
         ["/admin/accounts/orgunit/", "/admin/imports/valuesynonym/", "/admin/campaigns/campaign/"]),
    ):  # fmt: skip
        client = Client()
        client.force_login(user)
        index = client.get("/admin/").content.decode()
        assert all(url in index for url in sees), user
        assert not any(url in index for url in not_sees), user
        assert all(client.get(url).status_code in (403, 404) for url in business + tuple(not_sees)), user
    client = Client()
    client.force_login(auditor)
    assert client.get("/admin/").status_code == 302  # not staff: the admin's login page
    for user in (sys_admin, sec_admin, auditor):
        assert not user.is_superuser


def test_an_admin_cannot_grant_himself_a_role_or_a_flag_in_the_admin(sys_admin, sec_admin, district):
    client = Client()
    client.force_login(sys_admin)
    url = f"/admin/accounts/user/{sys_admin.pk}/change/"
    # A business role is refused on the form (三员分立: no admin holds one); the same admin role elsewhere is asked.
    mixed = form_values(client, url) | {"memberships-1-org_unit": str(district["office"].pk),
                                         "memberships-1-role": "office_admin"}  # fmt: skip
    refused = client.post(url, mixed)
    assert refused.status_code == 200 and "三员分立" in refused.content.decode()
    assert not RoleChangeRequest.objects.filter(user=sys_admin).exists()
    data = form_values(client, url) | {"is_superuser": "on", "memberships-1-org_unit": str(district["wujin"].pk),
                                        "memberships-1-role": "system_admin"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    sys_admin.refresh_from_db()
    assert not sys_admin.is_superuser
    assert not Membership.objects.filter(user=sys_admin, org_unit=district["wujin"]).exists()
    # The superuser flag is not even offered (三员分立: nobody is one); the role is a request for a second admin.
    requests = list(RoleChangeRequest.objects.filter(user=sys_admin, status="pending"))
    assert {r.kind for r in requests} == {"add_membership"}
    for change in requests:
        with pytest.raises(PermissionDenied, match="另一名管理员"):
            rolechanges.approve(actor=sys_admin, change_id=change.pk)
    assert AuditEvent.objects.filter(action="accounts.rolechange.requested", actor_username="sys").count() == 1
    # A second admin decides: the role given, the decision audited.
    role = next(r for r in requests if r.kind == "add_membership")
    rolechanges.approve(actor=sec_admin, change_id=role.pk)
    sys_admin.refresh_from_db()
    assert not sys_admin.is_superuser and Membership.objects.filter(user=sys_admin, org_unit=district["wujin"]).exists()
    flags = rolechanges.request_flags(actor=sys_admin, user=sys_admin, is_staff=False, is_superuser=None)
    rolechanges.reject(actor=sec_admin, change_id=flags.pk, note="仍需登录管理后台")
    assert AuditEvent.objects.filter(action="accounts.rolechange.rejected", actor_username="sec").exists()
    assert AuditEvent.objects.get(action="accounts.membership.created").actor_username == "sec"


def test_the_user_concerned_cannot_approve_a_change_of_his_own_roles(sys_admin, sec_admin, district):
    change = rolechanges.request_flags(actor=sys_admin, user=sec_admin, is_staff=False, is_superuser=None)
    with pytest.raises(PermissionDenied):
        rolechanges.approve(actor=sec_admin, change_id=change.pk)


def test_nobody_can_ask_for_or_be_granted_the_superuser_flag(sys_admin, sec_admin, district):
    with pytest.raises(PermissionDenied, match="不设超级用户"):
        rolechanges.request_flags(actor=sys_admin, user=sec_admin, is_staff=None, is_superuser=True)
    # A request filed before this rule is refused when a second admin approves it.
    old = RoleChangeRequest.objects.create(
        user=sys_admin, kind="set_flags", is_superuser=True, requested_by=sys_admin, requested_at=clock.now()
    )
    with pytest.raises(PermissionDenied, match="不设超级用户"):
        rolechanges.approve(actor=sec_admin, change_id=old.pk)
    sys_admin.refresh_from_db()
    assert not sys_admin.is_superuser
    assert RoleChangeRequest.objects.get(pk=old.pk).status == "pending"


def test_a_service_refuses_a_self_granted_role(sysadmin, district):
    from sanluanwu.accounts import services

    with pytest.raises(PermissionDenied, match="不能为自己授予角色"):
        services.add_membership(actor=sysadmin, user=sysadmin, org_unit=district["office"], role="office_admin")


def test_the_auditor_reads_the_audit_log_filtered_and_the_security_admin_only_security_events(
    auditor, sec_admin, alice, office
):
    from django.db import transaction

    with transaction.atomic():
        record_event(actor=alice, action="accounts.token.created", obj=alice, note="安全事件")
        record_event(actor=alice, action="registry.case.created", obj=alice, note="业务事件")
        record_event(actor=alice, action="registry.enterprise.revealed", obj=alice, note="查看号码事件")
        record_event(actor=alice, action="registry.export.unmasked", obj=alice, note="导出事件")
        record_event(actor=alice, action="imports.batch.downloaded", obj=alice, note="下载原表事件")
    client = Client()
    client.force_login(auditor)
    page = client.get("/audit/log/").content.decode()
    assert "安全事件" in page and "业务事件" in page
    only = client.get("/audit/log/", {"action": "accounts.token.created"}).content.decode()
    assert "安全事件" in only and "业务事件" not in only
    tomorrow = (clock.today() + dt.timedelta(days=2)).isoformat()
    assert "业务事件" not in client.get("/audit/log/", {"since": tomorrow}).content.decode()
    assert client.get("/audit/log/", {"since": "1900-01-01"}).status_code == 400
    # A bad filter or page is said and lists nothing, never the whole log instead (helper-49).
    for bad, said in (({"since": "1900-01-01"}, "日期"), ({"action": "bogus"}, "没有“bogus”这种事件"),
                      ({"page": "abc"}, "页码 page“abc”不正确"), ({"page": "99"}, "超出范围：共 1 页")):  # fmt: skip
        refused = client.get("/audit/log/", bad)
        body = refused.content.decode()
        assert refused.status_code == 400 and said in body and "业务事件" not in body and "共 0 条" in body, bad
    assert client.get("/audit/log/", {"page": "1"}).status_code == 200
    security = Client()
    security.force_login(sec_admin)
    events = security.get("/security/events/").content.decode()
    assert "安全事件" in events and "业务事件" not in events
    # Reveals, exports and downloads of originals are security events too, though other apps write them.
    assert "查看号码事件" in events and "导出事件" in events and "下载原表事件" in events
    menu = security.get("/security/events/").context["actions"]
    assert ("registry.enterprise.revealed", "查看完整联系电话") in menu and "registry.case.created" not in dict(menu)
    assert security.get("/audit/log/").status_code == 403
    for persona in (alice, office):
        other = Client()
        other.force_login(persona)
        assert other.get("/audit/log/").status_code == 403 and other.get("/security/events/").status_code == 403
    assert client.get("/cases/").status_code == 403  # the auditor reads no business data


def test_the_demo_has_three_separate_admins_none_a_superuser(db):
    from sanluanwu.demo.builder import build_accounts, build_org_units

    users = build_accounts(build_org_units(), "Wujin@2020")
    for name, role in (("admin", "system_admin"), ("security", "security_admin"), ("auditor", "audit_admin")):
        user = users[name]
        assert not user.is_superuser and user.demo_account
        assert list(user.memberships.values_list("role", flat=True)) == [role]
        assert user.groups.count() == 1


def test_each_admin_role_lands_on_its_own_page(sys_admin, sec_admin, auditor):
    for user, lands in ((sys_admin, "/admin/"), (sec_admin, "/admin/"), (auditor, "/audit/log/")):
        client = Client()
        client.force_login(user)
        assert client.get("/")["Location"] == lands, user


def test_an_approved_admin_role_brings_its_admin_permissions_and_takes_them_away(sys_admin, sec_admin, district):
    # A new account with no role yet (an admin role is held by someone with no other role: 三员分立).
    alice = User.objects.create_user(username="auditor_new", password="Secret#2020", full_name="新审计员")
    change = rolechanges.request_membership(actor=sys_admin, user=alice, org_unit=district["office"],
                                            role=Role.AUDIT_ADMIN)  # fmt: skip
    rolechanges.approve(actor=sec_admin, change_id=change.pk)
    assert list(alice.groups.values_list("name", flat=True)) == ["审计管理员"]
    membership = Membership.objects.get(user=alice, role=Role.AUDIT_ADMIN)
    removal = rolechanges.request_membership_removal(actor=sys_admin, membership=membership)
    rolechanges.approve(actor=sec_admin, change_id=removal.pk)
    assert not alice.groups.exists()


def test_an_admin_role_is_never_held_beside_another_role_whoever_approves(sys_admin, sec_admin, alice, district):
    # A system admin given the office's role read every case; an audit admin who is also the system admin audits
    # himself. Refused when asked, and at approval if the other role came meanwhile.
    from sanluanwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="三员分立"):
        rolechanges.request_membership(actor=sec_admin, user=sys_admin, org_unit=district["office"],
                                       role=Role.OFFICE_ADMIN)  # fmt: skip
    with pytest.raises(ValidationFailed, match="须由专人担任"):
        rolechanges.request_membership(actor=sys_admin, user=alice, org_unit=district["office"],
                                       role=Role.AUDIT_ADMIN)  # fmt: skip
    with pytest.raises(ValidationFailed, match="三员分立"):
        rolechanges.request_membership(actor=sec_admin, user=sys_admin, org_unit=district["office"],
                                       role=Role.AUDIT_ADMIN)  # fmt: skip
    newcomer = User.objects.create_user(username="newcomer", password="Secret#2020", full_name="新人")
    audit = rolechanges.request_membership(actor=sys_admin, user=newcomer, org_unit=district["office"],
                                           role=Role.AUDIT_ADMIN)  # fmt: skip
    office = rolechanges.request_membership(actor=sys_admin, user=newcomer, org_unit=district["office"],
                                            role=Role.OFFICE_ADMIN)  # fmt: skip
    rolechanges.approve(actor=sec_admin, change_id=audit.pk)
    with pytest.raises(ValidationFailed, match="三员分立"):
        rolechanges.approve(actor=sec_admin, change_id=office.pk)
    assert list(Membership.objects.filter(user=newcomer).values_list("role", flat=True)) == [Role.AUDIT_ADMIN]
    from sanluanwu.accounts.scope import scope_for

    assert not permissions.allows(scope_for(newcomer), "case.view")
