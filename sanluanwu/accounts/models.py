"""Org units (a tree, stored as data), users and their memberships (org unit + role)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from sanluanwu.accounts.choices import ADMIN_ROLES, ROLE_UNIT_KINDS, OrgUnitKind, Role, TownType


class OrgUnit(models.Model):
    """A unit of 附件1: the district, its office, a town/street/zone, a department or a utility."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级单位"
    )
    kind = models.CharField("类型", max_length=20, choices=OrgUnitKind.choices)
    town_type = models.CharField("镇街类型", max_length=10, choices=TownType.choices, blank=True)
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    code = models.SlugField("代码", max_length=40, unique=True)
    duty = models.TextField("职责分工（附件1）", blank=True)
    managed_by = models.CharField("托管单位", max_length=60, blank=True, help_text="如：自2020年起由常州经开区托管")
    boundary = models.JSONField(
        "边界",
        null=True,
        blank=True,
        help_text='GeoJSON Polygon（WGS-84），或未知多边形时的外接矩形 {"bbox": [最小经度, 最小纬度, 最大经度, 最大纬度]}',
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["kind", "sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        if self.kind == OrgUnitKind.TOWN and not self.town_type:
            raise ValidationError({"town_type": "镇（街道、开发区）必须选择镇街类型"})
        if self.kind != OrgUnitKind.DISTRICT and self.parent_id is None:
            raise ValidationError({"parent": "除区以外的单位必须有上级单位"})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "上级单位不能是本单位或其下级，否则会形成循环"})
            ancestor = ancestor.parent
        if self.boundary:
            _validate_boundary(self.boundary)
        # 三员分立: switching a unit off takes its members' roles with it (scope counts active units only): one admin
        # alone would shut the security and audit admins out (helper-48). Their roles are taken first, on approval.
        switched_off = (self.pk is not None and not self.is_active
                        and OrgUnit.objects.filter(pk=self.pk, is_active=True).exists())  # fmt: skip
        if switched_off and Membership.objects.filter(org_unit_id=self.pk, role__in=ADMIN_ROLES).exists():
            raise ValidationError({"is_active": "该单位有系统、安全或审计管理员任职，停用单位会使他们失去角色：请先在其账号"
                                                "的“任职”中申请收回这些角色，由另一名管理员批准后再停用单位"})  # fmt: skip


def _validate_boundary(boundary: Any) -> None:
    if not isinstance(boundary, dict):
        raise ValidationError({"boundary": '边界必须是 GeoJSON Polygon 或 {"bbox": [...]}'})
    if boundary.get("type") == "Polygon":
        rings = boundary.get("coordinates")
        if not rings or not isinstance(rings, list) or len(rings[0]) < 4:
            raise ValidationError({"boundary": "多边形至少需要 4 个点（首尾相同）"})
        return
    bbox = boundary.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4 and bbox[0] < bbox[2] and bbox[1] < bbox[3]:
        return
    raise ValidationError({"boundary": "外接矩形应为 [最小经度, 最小纬度, 最大经度, 最大纬度]"})


# A new or renamed account's name: ASCII letters, digits and _ . @ + - (helper-48: "ѕecurity" with a Cyrillic ѕ was
# taken, and an approver read "ѕecurity · 授予 安全管理员" as the security admin's own).
USERNAME_SHAPE = re.compile(r"[A-Za-z0-9_.@+-]{1,150}")
USERNAME_RULE = "用户名只能用英文字母、数字和 _ . @ + -（全角字符和形似字母的其他文字容易被人误认成别的账号）"
ADMIN_ACCOUNT_KEPT = (
    "管理员角色（系统、安全、审计管理员）的账号不能直接停用或改用户名：请先在“任职”中申请收回其角色，"
    "由另一名管理员批准后再办理"
)


class User(AbstractUser):
    """A person who logs in; what they may see and do comes from their memberships."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # 等保 2.0 account rules (accounts/security.py reads them).
    demo_account = models.BooleanField(
        "演示账号",
        default=False,
        editable=False,
        help_text="由演示数据加载程序创建：免于首次登录强制改密和强制绑定双因素，其余安全规则照常适用",
    )
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="新建或重置的密码：登录后必须先修改密码，其他页面和接口一律不可用"
    )
    password_reset = models.BooleanField(
        "密码已被管理员重置", default=False, editable=False,
        help_text="经第二名管理员批准重置的密码：演示账号也须先修改（演示账号只免于首次改密）",
    )  # fmt: skip
    password_changed_at = models.DateTimeField("密码设置时间", null=True, blank=True, editable=False)
    # Part of every session's auth hash: raising it ends all of the user's sessions ("log out everywhere").
    session_generation = models.PositiveIntegerField("会话代数", default=0, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        stored_name = User.objects.filter(pk=self.pk).values_list("username", flat=True).first() if self.pk else None
        if stored_name != self.username and not USERNAME_SHAPE.fullmatch(self.username or ""):
            raise ValidationError({"username": USERNAME_RULE})
        # SECURITY beside security: the add form refuses it (Django's), a rename did not (helper-50).
        if (
            stored_name != self.username
            and User.objects.filter(username__iexact=self.username).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"username": "已有只是大小写不同的同名用户，容易被人认错，请换一个用户名"})
        # 三员分立: one admin alone neither disables nor renames another admin's account (the audit or security admin
        # locked out, or unfindable under the name known): the role is taken first, a request a second admin approves.
        if self.pk is None:
            return
        stored = User.objects.filter(pk=self.pk).values("is_active", "username").first()
        if stored is None or not Membership.objects.filter(user_id=self.pk, role__in=ADMIN_ROLES).exists():
            return
        if stored["is_active"] and not self.is_active:
            raise ValidationError({"is_active": ADMIN_ACCOUNT_KEPT})
        if stored["username"] != self.username:
            raise ValidationError({"username": ADMIN_ACCOUNT_KEPT})

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django ties a session to the password hash; the session generation joins it, so raising it ends every
        session of the user. Generation 0 keeps Django's own hash (sessions from before it go on)."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac("sanluanwu.accounts.User.session", value, secret=secret, algorithm="sha256").hexdigest()


class Membership(models.Model):
    """A user's role in one org unit; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="用户")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships", verbose_name="单位")
    role = models.CharField("角色", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"],
                name="membership_unique",
                violation_error_message="该用户在该单位已有此角色",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org_unit} · {self.get_role_display()}"

    def clean(self) -> None:
        allowed = ROLE_UNIT_KINDS.get(self.role, set())
        if self.org_unit_id and self.org_unit.kind not in allowed:
            raise ValidationError(
                {"role": f"角色“{self.get_role_display()}”不能设在{self.org_unit.get_kind_display()}"}
            )
        # 三员分立: an admin role is held by someone with no other role (no business role, no second admin role), so
        # no admin reads business data or audits his own administration, whoever approves the request.
        if self.user_id:
            others = set(Membership.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
                         .exclude(role=self.role).values_list("role", flat=True))  # fmt: skip
            if self.role in ADMIN_ROLES and others:
                held = "、".join(sorted(Role(r).label for r in others))
                raise ValidationError({"role": f"三员分立：“{self.get_role_display()}”须由专人担任，该用户已有角色"
                                               f"“{held}”，请先撤销或另设账号"})  # fmt: skip
            if admin := sorted(others & ADMIN_ROLES):
                raise ValidationError({"role": f"三员分立：该用户是“{Role(admin[0]).label}”，不能再担任"
                                               f"“{self.get_role_display()}”，请另设账号"})  # fmt: skip


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords (等保: a new password may not be one of the last five)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name="用户")
    password = models.CharField("密码（哈希）", max_length=128)
    created_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["user", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A user's API token: only the SHA-256 of its secret is kept (the secret is shown once, at creation), with an
    expiry; its owner lists and revokes it, a password change and "log out everywhere" revoke all of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("名称", max_length=60, blank=True)
    prefix = models.CharField("前缀", max_length=12, help_text="令牌开头几位，仅用于辨认，不能用来调用接口")
    key_hash = models.CharField("令牌哈希（SHA-256）", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间")
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["user", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()


class RoleChangeRequest(models.Model):
    """A change of what someone may do (a membership given or taken, the staff or superuser flag), asked for in the
    admin and carried out only when a different admin approves it (三员分立: nobody grants themselves a role)."""

    class Kind(models.TextChoices):
        ADD_MEMBERSHIP = "add_membership", "授予角色"
        REMOVE_MEMBERSHIP = "remove_membership", "收回角色"
        SET_FLAGS = "set_flags", "修改职员/超级用户状态"
        RESET_PASSWORD = "reset_password", "重置登录密码"

    class Status(models.TextChoices):
        PENDING = "pending", "待批准"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_change_requests", verbose_name="用户")
    kind = models.CharField("变更", max_length=20, choices=Kind.choices)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name="单位")
    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="任职"
    )
    is_staff = models.BooleanField("职员状态（申请值）", null=True, blank=True)
    is_superuser = models.BooleanField("超级用户状态（申请值）", null=True, blank=True)
    # A reset's new password, as its hash only (set on approval; the requester hands the password to its owner, who
    # must change it at the first login).
    password_hash = models.CharField("新密码（散列）", max_length=128, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "角色变更申请"
        verbose_name_plural = "角色变更申请"
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_rolechangerequest", "批准或驳回角色变更申请")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("requested_by")),
                name="rolechange_second_admin",
                violation_error_message="角色变更须由另一名管理员批准",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.describe()}"

    @property
    def disables_password(self) -> bool:
        """A reset to no password at all (make_password(None), "!…"): password login disabled."""
        return self.kind == self.Kind.RESET_PASSWORD and self.password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)

    def describe(self) -> str:
        if self.disables_password:
            return f"停用 {self.user} 的密码登录"
        if self.kind == self.Kind.RESET_PASSWORD:
            return f"重置 {self.user} 的登录密码（首次登录须修改）"
        if self.kind == self.Kind.SET_FLAGS:
            flags = []
            if self.is_staff is not None:
                flags.append(f"职员状态→{'是' if self.is_staff else '否'}")
            if self.is_superuser is not None:
                flags.append(f"超级用户→{'是' if self.is_superuser else '否'}")
            return "，".join(flags)
        verb = "授予" if self.kind == self.Kind.ADD_MEMBERSHIP else "收回"
        return f"{verb} {self.org_unit} · {Role(self.role).label if self.role else ''}"
