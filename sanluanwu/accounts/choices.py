"""Kinds of org unit and the roles of 附件1."""

from __future__ import annotations

from django.db import models


class OrgUnitKind(models.TextChoices):
    DISTRICT = "district", "区"
    OFFICE = "office", "区散乱污整治领导小组办公室"
    TOWN = "town", "镇（街道、开发区）"
    DEPARTMENT = "department", "区级部门"
    UTILITY = "utility", "供水供电单位"


class TownType(models.TextChoices):
    TOWN = "town", "镇"
    STREET = "street", "街道"
    ZONE = "zone", "开发区"


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"
    OFFICE_ADMIN = "office_admin", "办公室管理员"
    OFFICE_STAFF = "office_staff", "办公室工作人员"
    TOWN_MANAGER = "town_manager", "镇（街道）管理员"
    TOWN_INSPECTOR = "town_inspector", "镇（街道）排查员"
    DEPARTMENT_STAFF = "department_staff", "部门工作人员"
    UTILITY_STAFF = "utility_staff", "供水供电单位工作人员"
    LEADER = "leader", "区领导（只读）"


# Which kind of org unit each role belongs to; a membership that breaks this is refused.
ROLE_UNIT_KINDS: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: {OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE},
    Role.SECURITY_ADMIN: {OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE},
    Role.AUDIT_ADMIN: {OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE},
    Role.OFFICE_ADMIN: {OrgUnitKind.OFFICE},
    Role.OFFICE_STAFF: {OrgUnitKind.OFFICE},
    Role.TOWN_MANAGER: {OrgUnitKind.TOWN},
    Role.TOWN_INSPECTOR: {OrgUnitKind.TOWN},
    Role.DEPARTMENT_STAFF: {OrgUnitKind.DEPARTMENT},
    Role.UTILITY_STAFF: {OrgUnitKind.UTILITY},
    Role.LEADER: {OrgUnitKind.DISTRICT, OrgUnitKind.OFFICE},
}

# 三员分立 (等保 2.0): the system, security and audit admins. None of them sees or changes business data; their
# passwords expire sooner and they must log in with a second factor.
ADMIN_ROLES: frozenset[str] = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


# How this app's audit action codes read on the timeline (registered with the audit app in apps.py).
AUDIT_ACTIONS: dict[str, str] = {
    "accounts.orgunit.created": "新建单位",
    "accounts.orgunit.updated": "修改单位信息",
    "accounts.membership.created": "新增任职（授予角色）",
    "accounts.membership.deleted": "撤销任职（收回角色）",
    "accounts.user.created": "新建用户",
    "accounts.user.updated": "修改用户信息",
    "accounts.user.password_changed": "修改密码",
    "accounts.user.password_reset": "重置登录密码（经第二名管理员批准）",
    # Security events (等保; accounts/security.py).
    "accounts.login.succeeded": "登录成功",
    "accounts.login.password_ok": "密码正确（待双因素验证）",
    "accounts.login.failed": "登录失败",
    "accounts.account.locked": "账号因登录失败被锁定",
    "accounts.account.unlocked": "解除账号登录锁定",
    "accounts.session.logged_out": "退出登录",
    "accounts.session.timeout": "会话超时自动结束",
    "accounts.otp.reset": "重置双因素认证（设备丢失）",
    "accounts.user.logged_out_everywhere": "退出所有设备",
    "accounts.token.created": "创建接口令牌",
    "accounts.token.revoked": "撤销接口令牌",
    "accounts.otp.enrolled": "绑定双因素认证",
    "accounts.otp.removed": "解除双因素认证",
    "accounts.otp.failed": "双因素动态码错误",
    "accounts.rolechange.requested": "申请角色变更",
    "accounts.rolechange.approved": "批准角色变更",
    "accounts.rolechange.rejected": "驳回角色变更",
    # Refused by the permission table (accounts.refusals): asked in clear and not allowed.
    "accounts.person.revealed": "查看完整号码被拒绝（无权限）",
    "accounts.original.downloaded": "下载原始表格被拒绝（无权限）",
}
