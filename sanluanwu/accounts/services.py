"""Changes to org units, users and memberships: who may see what is itself a record, so each change is audited.

The Django admin (accounts/admin.py) is the only screen for them today; it calls these services instead of saving
models itself. Each service: keyword-only, an actor, the permission check, the model's rules, one transaction with the
audit event inside it. Passwords are recorded as "changed", never their hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import Membership, OrgUnit, PasswordHistory, User
from sanluanwu.accounts.scope import OperatorActor, scope_for
from sanluanwu.accounts.security import end_all_sessions
from sanluanwu.accounts.tokens import revoke_all_tokens
from sanluanwu.audit.display import ACTION_LABELS, SECURITY_ACTIONS
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, ValidationFailed, validate_model
from sanluanwu.core.masking import PERSONAL_FIELDS
from sanluanwu.core.text import clean_text, says_something

ORG_UNIT_AUDITED = ["parent", "kind", "town_type", "name", "short_name", "code", "duty", "managed_by", "boundary",
                    "sort_order", "is_active"]  # fmt: skip
# Never "password": its change is an event of its own without the hash.
USER_AUDITED = ["username", "full_name", "phone", "first_name", "last_name", "email", "is_active", "is_staff",
                "is_superuser"]  # fmt: skip
MEMBERSHIP_AUDITED = ["user", "org_unit", "role"]


def require_admin_permission(actor: Any, permission: str, what: str) -> None:
    """Reference data is managed by whoever the admin lets manage it (Django permissions; the superuser has all)."""
    if isinstance(actor, OperatorActor):
        return
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(permission):
        raise PermissionDenied(f"您无权{what}")


def _stored(instance: models.Model, *, lock: bool = True) -> Any:
    """The row as it is in the database (None for a new one), locked until the change commits."""
    if instance.pk is None:
        return None
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    return (rows.select_for_update(no_key=True) if lock else rows).first()


def save_org_unit(*, actor: Any, org_unit: OrgUnit) -> OrgUnit:
    """Create or change an org unit; the event carries every changed field, old → new."""
    new = org_unit.pk is None
    require_admin_permission(actor, "accounts.add_orgunit" if new else "accounts.change_orgunit",
                             "新建单位" if new else "修改单位信息")  # fmt: skip
    validate_model(org_unit)
    with transaction.atomic():
        stored = _stored(org_unit)
        if stored is not None and stored.kind != org_unit.kind and _in_use(stored):
            # A town made an office drops out of every town list, its managers' roles no longer fit it, and its
            # cases lose their town: the kind holds everything hung on the unit.
            raise ValidationFailed({"kind": [f"“{stored.name}”已有任职、下级单位或业务记录，不能把单位类型由"
                                             f"“{stored.get_kind_display()}”改为“{org_unit.get_kind_display()}”；"
                                             "确需调整的，请新建单位并迁移任职"]})  # fmt: skip
        before = snapshot(stored, ORG_UNIT_AUDITED) if stored else {}
        org_unit.save()
        changes = diff_fields(before, snapshot(org_unit, ORG_UNIT_AUDITED))
        if new or changes:
            record_event(actor=actor, action="accounts.orgunit.created" if new else "accounts.orgunit.updated",
                         obj=org_unit, changes=changes)  # fmt: skip
    return org_unit


def _in_use(unit: OrgUnit) -> bool:
    """Whether anything points at the unit: a membership, a child unit, any app's record (by its reverse relations,
    so accounts names no other app)."""
    for relation in unit._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            if model._default_manager.filter(**{relation.field.name: unit}).exists():  # type: ignore[union-attr]
                return True
    return False


def save_user(*, actor: Any, user: User) -> User:
    """Create or change a user's account (active, staff, names…); a changed password is recorded without its hash."""
    new = user.pk is None
    require_admin_permission(actor, "accounts.add_user" if new else "accounts.change_user",
                             "新建用户" if new else "修改用户信息")  # fmt: skip
    validate_model(user, exclude=[] if user.password else ["password"])
    with transaction.atomic():
        stored = _stored(user)
        before = snapshot(stored, USER_AUDITED) if stored else {}
        if (stored is None and user.has_usable_password()) or (stored is not None and stored.password != user.password):
            _password_set_by_admin(user)
        user.save()
        changes = diff_fields(before, snapshot(user, USER_AUDITED))
        if new:
            if user.has_usable_password():  # the first password is one of the last five too
                PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
            note = "已设置登录密码" if user.has_usable_password() else "未设置密码（不能用密码登录）"
            record_event(actor=actor, action="accounts.user.created", obj=user, changes=changes, note=note)
            return user
        if changes:
            record_event(actor=actor, action="accounts.user.updated", obj=user, changes=changes)
        if stored is not None and stored.password != user.password:
            _record_password_change(actor, user)
    return user


def set_user_permissions(
    *, actor: Any, user: User, groups: Iterable[Group] | None = None, permissions: Iterable[Permission] | None = None
) -> User:
    """A user's Django groups and permissions (what the admin lets them manage); None leaves one unchanged."""
    require_admin_permission(actor, "accounts.change_user", "修改用户权限")
    with transaction.atomic():
        changes: dict[str, list[Any]] = {}
        for name, wanted in (("groups", groups), ("user_permissions", permissions)):
            if wanted is None:
                continue
            manager: Any = getattr(user, name)
            before = sorted(str(o) for o in manager.all())
            manager.set(list(wanted))
            after = sorted(str(o) for o in manager.all())
            if before != after:
                changes[name] = [before, after]
        if changes:
            record_event(actor=actor, action="accounts.user.updated", obj=user, changes=changes)
    return user


def record_password_change(*, actor: Any, user: User, keep_session: str | None = None) -> None:
    """The admin's own password form has just changed the password in the caller's transaction: record that. A
    password set by someone else is a reset: its owner must change it before anything else works (等保)."""
    require_admin_permission(actor, "accounts.change_user", "修改用户密码")
    with transaction.atomic():
        _password_set_by_admin(user)
        user.save(update_fields=["must_change_password", "password_changed_at"])
        _record_password_change(actor, user, keep_session)


def _password_set_by_admin(user: User) -> None:
    """A new or reset password is known to the admin who set it: its owner changes it first (not on the demo's
    accounts, whose password the README gives); its age counts from now."""
    user.must_change_password = user.has_usable_password()
    user.password_changed_at = clock.now()


def _record_password_change(actor: Any, user: User, keep_session: str | None = None) -> None:
    """The history keeps the hash; every session of the user but `keep_session` (the changer's own) is deleted: they
    ended with the old password anyway (Django ties a session to the hash), and no row of them is left behind."""
    note = "已修改登录密码" if user.has_usable_password() else "已停用密码登录"
    if user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
    ended = end_all_sessions(user, keep=keep_session)
    if ended:
        note += f"，结束其他登录会话 {ended} 个"
    record_event(actor=actor, action="accounts.user.password_changed", obj=user, note=note)


def record_password_reset(*, actor: Any, user: User, requested_by: User) -> None:
    """A reset approved by a second admin (accounts.rolechanges) has just set the password in the caller's
    transaction: the history keeps the hash, every session of the user ends, and the event says it was a reset."""
    PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
    ended = end_all_sessions(user)
    if user.has_usable_password():
        note = f"管理员 {requested_by} 申请、{actor} 批准重置登录密码，首次登录须修改"
    else:
        note = f"管理员 {requested_by} 申请、{actor} 批准停用密码登录"
    if ended:
        note += f"，结束登录会话 {ended} 个"
    record_event(actor=actor, action="accounts.user.password_reset", obj=user, note=note)


def check_password_profile(password: str, user: User, *, field: str) -> None:
    """The password profile (settings.AUTH_PASSWORD_VALIDATORS) for `user`, its messages in Chinese under `field`, in
    a request or a command alike: the own change and the admin's reset request read it."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.utils import translation

    try:
        with translation.override("zh-hans"):
            validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({field: [str(m) for m in exc.messages]}) from None


def change_own_password(*, actor: Any, current: str, new: str, repeated: str, keep_session: str | None = None) -> User:
    """A user changes their own password: the current one is checked, the new one meets the password profile
    (settings.AUTH_PASSWORD_VALIDATORS) and is typed twice. Every other session ends with it (Django ties a session to
    the password hash; their rows are deleted, but `keep_session`, the one changing it) and every API token of the user
    is revoked. Audited; the history keeps the hash."""
    user = User.objects.get(pk=actor.pk)
    if not current:
        raise ValidationFailed({"current": ["请填写当前密码"]})  # nothing tried: no failed login (views)
    if not user.check_password(current):
        raise ValidationFailed({"current": ["当前密码不正确"]})
    if not new:
        raise ValidationFailed({"new": ["请填写新密码"]})
    if new != repeated:
        raise ValidationFailed({"repeated": ["两次输入的新密码不一致"]})
    check_password_profile(new, user, field="new")
    with transaction.atomic():
        user.set_password(new)
        user.must_change_password = user.password_reset = False
        user.password_changed_at = clock.now()
        user.save(update_fields=["password", "must_change_password", "password_reset", "password_changed_at"])
        revoke_all_tokens(actor=actor, user=user, why="修改密码")
        _record_password_change(actor, user, keep_session)
    return user


def add_membership(*, actor: Any, user: User, org_unit: OrgUnit, role: str) -> Membership:
    """Give a user a role in an org unit: from now on they see and change what the role allows there."""
    require_admin_permission(actor, "accounts.add_membership", "为用户授予角色")
    if not isinstance(actor, OperatorActor) and actor.pk == user.pk:
        raise PermissionDenied("不能为自己授予角色：角色变更须由另一名管理员批准")
    membership = Membership(user=user, org_unit=org_unit, role=role)
    validate_model(membership)
    with transaction.atomic():
        membership.save()
        record_event(actor=actor, action="accounts.membership.created", obj=membership,
                     changes=diff_fields({}, snapshot(membership, MEMBERSHIP_AUDITED)))  # fmt: skip
    return membership


def remove_membership(*, actor: Any, membership: Membership) -> None:
    """Take a role away; the event keeps what the membership was (user, unit, role)."""
    require_admin_permission(actor, "accounts.delete_membership", "收回用户的角色")
    with transaction.atomic():
        stored = _stored(membership) or membership
        before = snapshot(stored, MEMBERSHIP_AUDITED)
        record_event(actor=actor, action="accounts.membership.deleted", obj=stored,
                     changes={name: [value, None] for name, value in before.items()})  # fmt: skip
        stored.delete()


# Personal data (个人信息保护法) --------------------------------------------------------------------------------------

# Why a clear number was needed: said by the user, kept in the audit event.
REASON_CHARS = 200
REASON_MIN_CHARS = 2


def personal_data_reason(reason: str) -> str:
    """The reason a user gives for personal data in clear (a reveal, an unmasked export): required, one line."""
    text = clean_text(reason or "")[:REASON_CHARS]
    if not text:
        raise ValidationFailed({"reason": ["请说明查看或导出完整个人信息的原因（如：电话通知企业负责人停产）"]})
    if len(text) < REASON_MIN_CHARS or not says_something(text):
        # "." or "1" is no reason: the audit event must say to a reader later why the number was needed.
        raise ValidationFailed(
            {"reason": [f"原因至少{REASON_MIN_CHARS}个字，请写明为何需要完整号码（如：电话通知企业负责人停产）"]}
        )
    return text


def reveal_personal_field(*, actor: Any, record: models.Model, field: str, town_id: int | None, reason: str) -> str:
    """显示完整号码: the clear value of one personal field (core.masking.PERSONAL_FIELDS) of one record, for a user who
    may see personal data in the record's town (person.reveal). Every reveal is a security event, "<app>.<model>.
    revealed", naming the record and the field and the reason — never the value. The one way to a clear number, for
    every app's records (registry, lookback, reporting)."""
    meta = record._meta
    if (meta.label_lower, field) not in PERSONAL_FIELDS:
        raise ValueError(f"{meta.label_lower}.{field} is not a personal field (core.masking.register_personal_fields)")
    action = f"{meta.app_label}.{meta.model_name}.revealed"
    if action not in ACTION_LABELS or action not in SECURITY_ACTIONS:
        raise ValueError(
            f"{action} needs a label in the app's choices.AUDIT_ACTIONS and a place in its SECURITY_ACTIONS"
        )
    permissions.require(scope_for(actor), "person.reveal", town_id=town_id)
    why = personal_data_reason(reason)
    with transaction.atomic():
        record_event(actor=actor, action=f"{meta.app_label}.{meta.model_name}.revealed", obj=record,
                     changes={"fields": [None, [field]]}, note=why)  # fmt: skip
    return str(getattr(record, field) or "")
