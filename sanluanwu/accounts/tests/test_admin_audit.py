"""Who may see what is itself a record: org units, memberships and users changed in the admin are audited."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from sanluanwu.accounts import services
from sanluanwu.accounts.models import Membership, OrgUnit, User
from sanluanwu.accounts.tests.adminforms import form_values
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, ValidationFailed


def _timeline(events) -> str:
    return render_to_string("audit/timeline.html", {"events": events})


@pytest.fixture
def security(district):
    """The security admin: a second admin who approves role changes (三员分立)."""
    from conftest import give_totp_device, make_user
    from sanluanwu.accounts.admin_groups import sync_admin_groups

    user = make_user("sec_admin", "security_admin", district["office"])
    user.is_staff = True
    user.save()
    user.groups.set([sync_admin_groups()["security_admin"]])
    give_totp_device(user)
    return user


def _approved_by(admin) -> None:
    """A different admin approves every pending role change request in the admin."""
    from django.test import Client

    from sanluanwu.accounts.models import RoleChangeRequest

    pending = list(RoleChangeRequest.objects.filter(status="pending").values_list("pk", flat=True))
    assert pending
    second = Client()
    second.force_login(admin)
    response = second.post("/admin/accounts/rolechangerequest/",
                           {"action": "approve_selected", "_selected_action": [str(pk) for pk in pending]})  # fmt: skip
    assert response.status_code == 302
    assert not RoleChangeRequest.objects.filter(status="pending").exists()


def test_an_org_unit_edited_in_the_admin_leaves_an_event_with_old_and_new(client, sysadmin, district):
    hutang = district["hutang"]
    client.force_login(sysadmin)
    url = f"/admin/accounts/orgunit/{hutang.pk}/change/"
    data = form_values(client, url) | {"short_name": "湖塘（试点）", "managed_by": "自2020年起由常州经开区托管"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="accounts.orgunit.updated")
    assert event.object_id == str(hutang.pk) and event.actor_username == sysadmin.username
    assert event.changes == {"short_name": ["湖塘", "湖塘（试点）"], "managed_by": ["", "自2020年起由常州经开区托管"]}
    html = _timeline([event])
    assert "修改单位信息" in html and "简称" in html and "托管单位" in html and "湖塘（试点）" in html


def test_an_org_unit_added_in_the_admin_is_recorded(client, sysadmin, district):
    client.force_login(sysadmin)
    data = form_values(client, "/admin/accounts/orgunit/add/") | {
        "parent": district["wujin"].pk, "kind": "department", "name": "武进区测试局", "code": "ceshiju",
    }  # fmt: skip
    assert client.post("/admin/accounts/orgunit/add/", data).status_code == 302
    unit = OrgUnit.objects.get(code="ceshiju")
    event = AuditEvent.objects.get(action="accounts.orgunit.created", object_id=str(unit.pk))
    assert event.changes["name"] == [None, "武进区测试局"] and event.changes["parent"] == [None, "武进区"]


def test_a_units_kind_does_not_change_once_anything_hangs_on_it(client, sysadmin, alice, hutang_case, district):
    """A town made an office (or a department a utility) in the admin had dropped out of every town list, its
    managers' roles no longer fitting it: refused, saying why; a unit nothing points at yet may still be corrected."""
    hutang = district["hutang"]
    client.force_login(sysadmin)
    url = f"/admin/accounts/orgunit/{hutang.pk}/change/"
    response = client.post(url, form_values(client, url) | {"kind": "office"}, follow=True)
    assert response.status_code == 200 and "未保存" in response.content.decode()
    assert "不能把单位类型由“镇（街道、开发区）”改为“区散乱污整治领导小组办公室”" in response.content.decode()
    hutang.refresh_from_db()
    assert hutang.kind == "town" and not AuditEvent.objects.filter(action="accounts.orgunit.updated").exists()
    fresh = services.save_org_unit(actor=sysadmin, org_unit=OrgUnit(parent=district["wujin"], kind="department",
                                                                    name="武进区测试局", code="ceshiju"))  # fmt: skip
    fresh.kind = "utility"
    services.save_org_unit(actor=sysadmin, org_unit=fresh)
    fresh.refresh_from_db()
    assert fresh.kind == "utility"


def test_a_membership_added_and_removed_in_the_admin_is_recorded_each_time(client, sysadmin, security, alice, district):
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{alice.pk}/change/"
    data = form_values(client, url)
    assert data["memberships-TOTAL_FORMS"] == "2" and data["memberships-INITIAL_FORMS"] == "1"
    data |= {"memberships-1-org_unit": str(district["niutang"].pk), "memberships-1-role": "town_inspector"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.filter(user=alice, org_unit=district["niutang"]).exists()  # a request, not yet
    _approved_by(security)
    added = Membership.objects.get(user=alice, org_unit=district["niutang"])
    event = AuditEvent.objects.get(action="accounts.membership.created")
    assert event.object_id == str(added.pk)
    assert event.changes == {"user": [None, "alice"], "org_unit": [None, "牛塘镇"], "role": [None, "town_inspector"]}

    data = form_values(client, url)
    row = next(k[: -len("-id")] for k, v in data.items() if k.endswith("-id") and v == str(added.pk))
    assert client.post(url, data | {f"{row}-DELETE": "on"}).status_code == 302
    assert Membership.objects.filter(pk=added.pk).exists()
    _approved_by(security)
    assert not Membership.objects.filter(pk=added.pk).exists()
    removed = AuditEvent.objects.get(action="accounts.membership.deleted")
    assert removed.object_id == str(added.pk)
    assert removed.changes == {"user": ["alice", None], "org_unit": ["牛塘镇", None], "role": ["town_inspector", None]}
    html = _timeline([removed, event])
    assert "新增任职（授予角色）" in html and "撤销任职（收回角色）" in html
    assert "单位" in html and "角色" in html and "镇（街道）排查员" in html and "town_inspector" not in html


def test_a_role_changed_in_place_is_recorded_as_taken_away_and_given(client, sysadmin, security, alice, district):
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{alice.pk}/change/"
    data = form_values(client, url) | {"memberships-0-role": "town_inspector"}
    assert client.post(url, data).status_code == 302
    assert list(alice.memberships.values_list("role", flat=True)) == ["town_manager"]
    _approved_by(security)
    assert list(alice.memberships.values_list("role", flat=True)) == ["town_inspector"]
    removed = AuditEvent.objects.get(action="accounts.membership.deleted")
    added = AuditEvent.objects.get(action="accounts.membership.created")
    assert removed.changes["role"] == ["town_manager", None] and added.changes["role"] == [None, "town_inspector"]


def test_the_admin_offers_no_django_groups_or_model_permissions(client, sysadmin, alice):
    """Powers come from 任职 and the permission table; a groups box in the admin would grant nothing and mislead."""
    client.force_login(sysadmin)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert 'name="groups"' not in page and 'name="user_permissions"' not in page
    assert client.get("/admin/auth/group/").status_code == 404


def test_groups_set_through_the_service_are_still_recorded(sysadmin, alice):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="同义词维护")
    services.set_user_permissions(actor=sysadmin, user=alice, groups=[group])
    event = AuditEvent.objects.get(action="accounts.user.updated")
    assert event.changes == {"groups": [[], ["同义词维护"]]}
    assert "同义词维护" in _timeline([event])


def test_a_user_deactivated_in_the_admin_is_recorded(client, sysadmin, alice):
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{alice.pk}/change/"
    data = form_values(client, url)
    assert data.pop("is_active") == "on"
    assert client.post(url, data).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    event = AuditEvent.objects.get(action="accounts.user.updated")
    assert event.changes == {"is_active": [True, False]} and event.object_id == str(alice.pk)
    html = _timeline([event])
    assert "修改用户信息" in html and "有效" in html and ">是<" in html and ">否<" in html
    assert not AuditEvent.objects.filter(action__startswith="accounts.membership").exists()  # the row was untouched


def _admin_adds_zhou(client, sysadmin) -> User:
    """The system admin adds the account zhou in the admin, with a password he chooses."""
    client.force_login(sysadmin)
    data = form_values(client, "/admin/accounts/user/add/") | {
        "username": "zhou", "password1": "Mq9#Zt8Lp2026", "password2": "Mq9#Zt8Lp2026", "usable_password": "true",
    }  # fmt: skip
    assert client.post("/admin/accounts/user/add/", data).status_code == 302
    return User.objects.get(username="zhou")


def test_a_user_added_in_the_admin_is_recorded_without_the_password(client, sysadmin):
    zhou = _admin_adds_zhou(client, sysadmin)
    event = AuditEvent.objects.get(action="accounts.user.created")
    assert event.object_id == str(zhou.pk) and event.changes["username"] == [None, "zhou"]
    assert "password" not in event.changes and zhou.password not in str(event.changes) + event.note


def test_a_password_changed_in_the_admin_is_recorded_without_the_hash(client, sysadmin, alice, district):
    # Someone else's password set in the admin is a reset request a second admin approves (test_password_reset.py).
    from sanluanwu.accounts import rolechanges
    from sanluanwu.accounts.choices import Role
    from sanluanwu.accounts.models import RoleChangeRequest
    from sanluanwu.accounts.tests.test_separation import _admin

    client.force_login(sysadmin)
    old_hash = alice.password
    url = f"/admin/accounts/user/{alice.pk}/password/"
    data = {"password1": "Wujin#2020new", "password2": "Wujin#2020new", "usable_password": "true"}
    assert client.post(url, data).status_code == 302
    rolechanges.approve(actor=_admin("sec", Role.SECURITY_ADMIN, district),
                        change_id=RoleChangeRequest.objects.get(user=alice).pk)  # fmt: skip
    alice.refresh_from_db()
    assert alice.password != old_hash and alice.check_password("Wujin#2020new")
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert event.object_id == str(alice.pk) and event.changes == {} and "重置登录密码" in event.note
    assert "重置登录密码" in _timeline([event])
    for event in AuditEvent.objects.all():
        for text in (str(event.changes), event.note, event.object_repr):
            assert old_hash not in text and alice.password not in text and "Wujin#2020new" not in text


def test_a_refused_password_form_leaves_no_event(client, sysadmin, alice):
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{alice.pk}/password/"
    assert client.post(url, {"password1": "a", "password2": "b", "usable_password": "true"}).status_code == 200
    assert not AuditEvent.objects.exists()


def test_org_units_and_users_are_deactivated_never_deleted(client, sysadmin, alice, district):
    client.force_login(sysadmin)
    assert client.get(f"/admin/accounts/orgunit/{district['hutang'].pk}/delete/").status_code == 403
    assert client.get(f"/admin/accounts/user/{alice.pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get("/admin/accounts/user/").content.decode()


def test_only_who_the_admin_lets_manage_accounts_may_change_them(alice, bob, district):
    with pytest.raises(PermissionDenied):
        services.add_membership(actor=alice, user=bob, org_unit=district["hutang"], role="town_manager")
    with pytest.raises(PermissionDenied):
        services.save_org_unit(actor=alice, org_unit=district["hutang"])
    assert not AuditEvent.objects.exists()


def test_a_membership_that_breaks_the_role_rule_is_refused_by_the_service(sysadmin, bob, district):
    with pytest.raises(ValidationFailed) as exc:
        services.add_membership(actor=sysadmin, user=bob, org_unit=district["hutang"], role="department_staff")
    assert "role" in exc.value.errors
    assert not AuditEvent.objects.exists()


def test_a_failing_audit_write_rolls_the_membership_back(sysadmin, bob, district, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("sanluanwu.accounts.services.record_event", broken)
    with pytest.raises(RuntimeError):
        services.add_membership(actor=sysadmin, user=bob, org_unit=district["hutang"], role="town_inspector")
    assert not Membership.objects.filter(user=bob, role="town_inspector").exists()


def test_the_admin_cannot_read_or_make_anyones_api_token(client, sysadmin, alice):
    from sanluanwu.accounts.tokens import create_token

    token, secret = create_token(actor=alice)
    client.force_login(sysadmin)
    for url in ("/admin/authtoken/tokenproxy/", "/admin/authtoken/tokenproxy/add/", "/admin/authtoken/token/",
                "/admin/accounts/apitoken/", "/admin/otp_totp/totpdevice/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    for page in ("/admin/", f"/admin/accounts/user/{alice.pk}/change/"):
        text = client.get(page).content.decode()
        assert secret not in text and token.key_hash not in text


def test_a_role_change_the_rules_refuse_is_said_on_the_page_and_nothing_is_filed(client, sysadmin, district):
    from conftest import make_user
    from sanluanwu.accounts.models import RoleChangeRequest

    auditor = make_user("auditor_p", "audit_admin", district["office"])
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{auditor.pk}/change/"
    data = form_values(client, url) | {"memberships-0-role": "security_admin", "full_name": "改了名字"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "未保存：" in page
    assert not RoleChangeRequest.objects.exists()
    auditor.refresh_from_db()
    assert auditor.full_name != "改了名字"  # the whole save undone, not half of it
    assert list(auditor.memberships.values_list("role", flat=True)) == ["audit_admin"]


def test_an_admin_roles_account_is_neither_disabled_nor_renamed_by_one_admin_alone(client, sysadmin, security):
    # helper-46: the system admin unticked 有效 on the audit admin, or renamed the security admin, alone.
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{security.pk}/change/"
    for change in ({"is_active": None}, {"username": "sec_renamed"}):
        data = form_values(client, url)
        if "is_active" in change:
            data.pop("is_active")
        else:
            data |= change
        refused = client.post(url, data)
        assert refused.status_code == 200 and "不能直接停用或改用户名" in refused.content.decode()
        security.refresh_from_db()
        assert security.is_active and security.username == "sec_admin"
    with pytest.raises(ValidationFailed, match="不能直接停用"):
        security.is_active = False
        services.save_user(actor=sysadmin, user=security)


def test_a_password_an_admin_set_is_the_first_of_the_history_and_the_approver_is_warned(client, sysadmin, security,
                                                                                        district):  # fmt: skip
    from sanluanwu.accounts import rolechanges
    from sanluanwu.accounts.models import PasswordHistory

    zhou = _admin_adds_zhou(client, sysadmin)
    assert PasswordHistory.objects.filter(user=zhou).count() == 1  # the admin's password is not chosen again later
    assert zhou.must_change_password
    rolechanges.request_membership(actor=sysadmin, user=zhou, org_unit=district["office"], role="office_admin")
    approver = type(client)()
    approver.force_login(security)
    listed = approver.get("/admin/accounts/rolechangerequest/").content.decode()
    assert "密码由管理员设置，本人尚未修改" in listed


def test_the_admins_view_on_site_shortcut_tells_nothing_of_any_record(client, sysadmin, alice):
    # helper-46: /admin/r/<type>/<id>/ answered differently for a record that exists and one that does not.
    from django.contrib.contenttypes.models import ContentType

    client.force_login(sysadmin)
    user_type = ContentType.objects.get_for_model(User).pk
    assert client.get(f"/admin/r/{user_type}/{alice.pk}/").status_code == 404
    assert client.get(f"/admin/r/{user_type}/999999/").status_code == 404
    assert client.get("/admin/r/99999/1/").status_code == 404


def test_a_failed_login_of_no_account_is_named_in_chinese(client, district):
    client.post("/login/", {"username": "nobody_here", "password": "Wrong#2020xx"})
    event = AuditEvent.objects.get(action="accounts.login.failed")
    assert event.object_repr == "登录尝试（用户名 nobody_here）", event.object_repr


def test_a_unit_holding_an_admin_role_is_not_switched_off_by_one_admin(client, sysadmin, security, district):
    # helper-48: unticking 启用 on the office's unit took the security and audit admins' roles (scope counts active
    # units only), by one admin alone.
    client.force_login(sysadmin)
    url = f"/admin/accounts/orgunit/{district['office'].pk}/change/"
    data = form_values(client, url)
    assert data.pop("is_active") == "on"
    refused = client.post(url, data)
    assert refused.status_code == 200 and "停用单位会使他们失去角色" in refused.content.decode()
    district["office"].refresh_from_db()
    assert district["office"].is_active
    town = f"/admin/accounts/orgunit/{district['hutang'].pk}/change/"  # no admin role there: switched off as before
    data = form_values(client, town)
    data.pop("is_active")
    assert client.post(town, data).status_code == 302


def test_a_typed_user_name_is_shown_as_typed_and_a_new_one_is_plain_ascii(client, sysadmin, district):
    # helper-48: a failed login's user name carrying U+202E turned the security events' line around; "ѕecurity" with
    # a Cyrillic ѕ was taken as a new account's name.
    client.post("/login/", {"username": "abc\u202edef", "password": "Wrong#2020xx"})
    event = AuditEvent.objects.get(action="accounts.login.failed")
    assert "\u202e" not in event.note + event.object_repr + event.actor_username
    assert "abc<U+202E>def" in event.note
    client.force_login(sysadmin)
    for name in ("ѕecurity", "张三", "sec\u200burity"):  # (ｏｆｆｉｃｅ is folded to office by Django's form)
        data = form_values(client, "/admin/accounts/user/add/") | {
            "username": name, "password1": "Wj7#Rq2Hutang", "password2": "Wj7#Rq2Hutang", "usable_password": "true",
        }  # fmt: skip
        refused = client.post("/admin/accounts/user/add/", data)
        assert refused.status_code == 200 and "用户名只能用英文字母" in refused.content.decode(), name
    assert not User.objects.filter(username__in=("ѕecurity", "张三", "sec\u200burity")).exists()


def test_a_rename_to_another_accounts_name_in_other_letters_case_is_refused(client, sysadmin, security, alice):
    # helper-50: zrzyj renamed SECURITY sat beside security in every list; the add form already refused it.
    client.force_login(sysadmin)
    url = f"/admin/accounts/user/{alice.pk}/change/"
    refused = client.post(url, form_values(client, url) | {"username": "SEC_ADMIN"})
    assert refused.status_code == 200 and "只是大小写不同的同名用户" in refused.content.decode()
    alice.refresh_from_db()
    assert alice.username == "alice"


def test_the_lockouts_page_shows_an_invisible_character_of_a_name(client, district):
    from conftest import make_user
    from sanluanwu.accounts import security

    for _ in range(5):
        client.post("/login/", {"username": "auditor\u200b", "password": "Wrong#2020xx"})
    assert [lock.shown for lock in security.current_lockouts()] == ["auditor<U+200B>"]
    sam = make_user("sam", "security_admin", district["office"])
    viewer = type(client)()
    viewer.force_login(sam)
    from sanluanwu.accounts import twofactor

    session = viewer.session
    session[twofactor.SESSION_STATE] = twofactor.NONE
    session.save()
    page = viewer.get("/security/lockouts/").content.decode()
    assert "auditor&lt;U+200B&gt;" in page or "auditor<U+200B>" in page
