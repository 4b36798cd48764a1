"""三员分立: a change of someone's roles or admin flags is a request that a different admin approves or rejects.

The admin (accounts/admin.py) files requests instead of changing memberships and flags itself; approval carries the
change out through accounts.services (which record the membership events), all in one transaction with the
request's own events (requested, approved, rejected).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from sanluanwu.accounts import services, twofactor
from sanluanwu.accounts.models import Membership, OrgUnit, RoleChangeRequest, User
from sanluanwu.accounts.security import end_all_sessions
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.core import clock
from sanluanwu.core.errors import Conflict, PermissionDenied, ValidationFailed, validate_model

APPROVE = "accounts.approve_rolechangerequest"


def account_caution(user: User) -> str:
    """What an approver should weigh about the account a request is for (helper-46: an admin created an account with
    a password he chose, asked for the office role, and the approver saw only the role)."""
    if user.must_change_password and user.has_usable_password():
        return "⚠ 密码由管理员设置，本人尚未修改（设置密码的管理员知道它）：请先与本人核实，待本人登录修改密码后再批准"
    if user.last_login is None:
        return "该账号从未登录"
    return ""


def _file(actor: Any, change: RoleChangeRequest) -> RoleChangeRequest:
    services.require_admin_permission(actor, "accounts.change_user", "申请变更用户角色")
    change.requested_by_id = actor.pk
    change.requested_at = clock.now()
    with transaction.atomic():
        change.save()
        record_event(actor=actor, action="accounts.rolechange.requested", obj=change, note=change.describe())
    return change


def request_membership(*, actor: Any, user: User, org_unit: OrgUnit, role: str) -> RoleChangeRequest:
    """Ask for a role to be given; the membership's rules are checked now, so an impossible request is refused."""
    validate_model(Membership(user=user, org_unit=org_unit, role=role))
    return _file(actor, RoleChangeRequest(user=user, kind=RoleChangeRequest.Kind.ADD_MEMBERSHIP, org_unit=org_unit,
                                          role=role))  # fmt: skip


def request_membership_removal(*, actor: Any, membership: Membership) -> RoleChangeRequest:
    return _file(actor, RoleChangeRequest(user=membership.user, kind=RoleChangeRequest.Kind.REMOVE_MEMBERSHIP,
                                          org_unit=membership.org_unit, role=membership.role,
                                          membership=membership))  # fmt: skip


# 三员分立: a Django superuser passes every admin permission (approving role changes included, the security admin's
# task) and would join the three roles in one account. Nobody in this system is one, and nobody can become one.
NO_SUPERUSER = "本系统不设超级用户（三员分立）：管理员的权限由系统管理员、安全管理员、审计管理员角色授予"


def request_flags(*, actor: Any, user: User, is_staff: bool | None, is_superuser: bool | None) -> RoleChangeRequest:
    """Ask for the staff (may open the admin) or superuser flag to change; None leaves one as it is."""
    if is_staff is None and is_superuser is None:
        raise ValidationFailed({"is_staff": ["没有要变更的状态"]})
    if is_superuser:
        raise PermissionDenied(NO_SUPERUSER)
    return _file(actor, RoleChangeRequest(user=user, kind=RoleChangeRequest.Kind.SET_FLAGS, is_staff=is_staff,
                                          is_superuser=is_superuser))  # fmt: skip


def request_password_reset(*, actor: Any, user: User, password: str | None) -> RoleChangeRequest:
    """Ask for someone else's password to be reset (三员分立: a system admin alone could otherwise take over any
    account). The new password must meet the password profile; only its hash is kept, and it takes effect when a
    different admin approves. Nobody resets their own password this way (the 账号安全 page changes it).
    `password` None: password login disabled (no password anyone knows) — the same request, the same second admin:
    one admin alone could otherwise lock the security or audit admin out."""
    from django.contrib.auth.hashers import make_password

    if actor.pk == user.pk:
        raise PermissionDenied("不能重置自己的密码：请在“账号安全”页面修改自己的密码")
    if password is not None:
        services.check_password_profile(password, user, field="password1")
    return _file(actor, RoleChangeRequest(user=user, kind=RoleChangeRequest.Kind.RESET_PASSWORD,
                                          password_hash=make_password(password)))  # fmt: skip


def _decidable(actor: Any, change_id: int) -> RoleChangeRequest:
    services.require_admin_permission(actor, APPROVE, "审批角色变更申请")
    change = (
        RoleChangeRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user", "org_unit")
        .get(pk=change_id)
    )
    if change.status != RoleChangeRequest.Status.PENDING:
        raise Conflict("该申请已处理")
    if actor.pk in (change.requested_by_id, change.user_id):
        raise PermissionDenied("角色变更须由另一名管理员批准：申请人和被变更的用户本人都不能审批")
    return change


def approve(*, actor: Any, change_id: int, note: str = "") -> RoleChangeRequest:
    """A second admin approves: the change is made (its own audited service) and the approval recorded."""
    with transaction.atomic():
        change = _decidable(actor, change_id)
        # The approval is the permission: the change is made here with the same events the services write.
        if change.kind == RoleChangeRequest.Kind.ADD_MEMBERSHIP:
            membership = Membership(user=change.user, org_unit=change.org_unit, role=change.role)
            validate_model(membership)
            membership.save()
            record_event(actor=actor, action="accounts.membership.created", obj=membership,
                         changes=diff_fields({}, snapshot(membership, services.MEMBERSHIP_AUDITED)))  # fmt: skip
            _follow_admin_group(change.user, change.role, add=True)
            if twofactor.must_enrol(change.user):
                # An admin role owes its second factor from now: the sessions and tokens it had were opened with the
                # password alone; its next login must enrol first (pages and the token endpoint alike).
                subject = User.objects.select_for_update(no_key=True).get(pk=change.user_id)
                subject.session_generation += 1
                subject.save(update_fields=["session_generation"])
                end_all_sessions(subject)
                services.revoke_all_tokens(actor=actor, user=subject, why="授予管理员角色，须先绑定双因素认证")
        elif change.kind == RoleChangeRequest.Kind.REMOVE_MEMBERSHIP:
            stored = Membership.objects.select_for_update(no_key=True).filter(pk=change.membership_id or 0).first()
            if stored is None:
                raise Conflict("该任职已不存在")
            record_event(actor=actor, action="accounts.membership.deleted", obj=stored,
                         changes={k: [v, None] for k, v in snapshot(stored, services.MEMBERSHIP_AUDITED).items()})  # fmt: skip
            stored.delete()
            if not Membership.objects.filter(user_id=change.user_id, role=change.role).exists():
                _follow_admin_group(change.user, change.role, add=False)
        elif change.kind == RoleChangeRequest.Kind.RESET_PASSWORD:
            user = User.objects.select_for_update(no_key=True).get(pk=change.user_id)
            disabling = change.disables_password
            user.password = change.password_hash
            user.must_change_password = user.password_reset = not disabling
            user.password_changed_at = clock.now()
            user.save(update_fields=["password", "must_change_password", "password_reset", "password_changed_at"])
            services.revoke_all_tokens(
                actor=actor, user=user, why="管理员停用密码登录" if disabling else "管理员重置密码"
            )
            services.record_password_reset(actor=actor, user=user, requested_by=change.requested_by)
            # The user's own record holds the hash now; the request keeps no copy (of a disabled login only the
            # marker, which is no secret, so the request still reads as what it was).
            change.password_hash = UNUSABLE_PASSWORD_PREFIX if disabling else ""
            change.save(update_fields=["password_hash"])
        else:
            user = User.objects.select_for_update(no_key=True).get(pk=change.user_id)
            before = snapshot(user, ["is_staff", "is_superuser"])
            if change.is_staff is not None:
                user.is_staff = change.is_staff
            if change.is_superuser:
                raise PermissionDenied(NO_SUPERUSER)  # a request filed before the rule: never granted
            if change.is_superuser is not None:
                user.is_superuser = change.is_superuser
            user.save(update_fields=["is_staff", "is_superuser"])
            changes = diff_fields(before, snapshot(user, ["is_staff", "is_superuser"]))
            if changes:
                record_event(actor=actor, action="accounts.user.updated", obj=user, changes=changes)
        change.status, change.decided_by_id, change.decided_at = (
            RoleChangeRequest.Status.APPROVED,
            actor.pk,
            clock.now(),
        )
        change.note = note[:200]
        change.save(update_fields=["status", "decided_by", "decided_at", "note"])
        record_event(actor=actor, action="accounts.rolechange.approved", obj=change, note=change.describe())
    return change


def _follow_admin_group(user: User, role: str, *, add: bool) -> None:
    """An admin role's Django permissions come with the role (accounts.admin_groups), given and taken with it."""
    from sanluanwu.accounts.admin_groups import ADMIN_GROUPS, sync_admin_groups

    if role not in ADMIN_GROUPS:
        return
    group = sync_admin_groups()[role]
    if add:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def reject(*, actor: Any, change_id: int, note: str = "") -> RoleChangeRequest:
    with transaction.atomic():
        change = _decidable(actor, change_id)
        change.status, change.decided_by_id, change.decided_at = (
            RoleChangeRequest.Status.REJECTED,
            actor.pk,
            clock.now(),
        )
        change.note = note[:200]
        change.password_hash = ""
        change.save(update_fields=["status", "decided_by", "decided_at", "note", "password_hash"])
        record_event(actor=actor, action="accounts.rolechange.rejected", obj=change,
                     note=f"{change.describe()}{'：' + note if note else ''}")  # fmt: skip
    return change
