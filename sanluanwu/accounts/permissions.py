"""Who may do what: ONE table of action × role, read by the pages (which buttons and links show), the API
(403 with the reason) and the imports (a row needing a refused action is an error row) alike.

The roles, as Wujin runs the campaign (附件1):

- Reporting: the office admin sets up campaigns (campaign.manage); the office reviews the half-monthly reports
  (report.review); each town manager submits its town's report, work plan and briefs; department staff send briefs;
  the leader and the office download the summary.

- 系统管理员 system_admin — accounts, org units and reference data (in the admin). Sees and changes no
  business data (三员分立): no list, no case, no import, no look-back.
- 安全管理员 security_admin — security settings: sees the accounts locked after failed logins and unlocks them
  (security.unlock, /security/lockouts/). No business data.
- 安全管理员 security_admin — security settings, unlocking accounts, reviewing security events (security.events),
  resetting another user's lost two-factor device with a reason (security.reset_2fa, /security/two-factor/) and
  deciding role change requests in the admin. No business data.
- 审计管理员 audit_admin — reads the audit log (audit.view) and the security events, nothing else.
- 办公室管理员 office_admin — the district office's head of the work: everything on the dynamic list in
  every town; the only role that reopens a closed (销号) case, with a recorded reason.
- 办公室工作人员 office_staff — the office's daily work in every town: lists, records, edits, imports,
  look-back planning, workflow steps; not reopening a closed case nor restoring a withdrawn one.
- 区领导 leader — reads everything and downloads the tables; changes nothing.
- 镇（街道）管理员 town_manager — in the own town (实施主体): lists and edits cases, moves them along the
  workflow up to 销号 after the on-site review, imports sheets (preview and confirm), plans the look-back
  (generates the places, adds key places, assigns them to inspectors), records inspections and amends
  submitted ones with a reason.
- 镇（街道）排查员 town_inspector — in the own town: reads the town's list and records the look-back:
  starts inspections, saves drafts, takes photos, submits (a problem found goes onto the dynamic list:
  一律纳入), confirms on site that production has stopped, adds a key place found in the field. Does not
  edit cases, move them further along the workflow, assign places, import sheets or amend submitted
  inspections.
- 部门工作人员 department_staff — acts only on what is assigned to the unit (registry.visibility): the
  remediation tasks it owns, the cases it leads (工信局 confirms shutdowns, 生态环境局 rectifications and their plans,
  and the lead department signs off a passed review: 销号), enforcement it records on those cases.
- 水电单位工作人员 utility_staff — its own cut-off tasks only (断水, 断电), through the task pages: never the case
  page, the list, a phone number or the problems found.

Personal data (phone and ID numbers) is masked in every output (core.masking); person.reveal and export.unmasked
(the office and the town manager in the own town) show it in clear, each time audited with a reason.

The remediation steps (stop, classification, tasks, plan, review, sign-off) each have a permission here; the
transition tables (registry/workflow.py for the case, remediation/workflow.py for tasks, plans and the type)
name them, and the services check them with `assigned=True` when the actor's unit is the owner or the lead.

Closed (销号) cases are read-only for everyone: changing one needs the reopening (case.reopen) first.
Nothing is deleted: a case listed by mistake (误列) is withdrawn with a reason (case.withdraw: the town's manager or
the office, while it is only listed) and restored by the office admin alone (case.restore); withdrawn cases are
read-only, off the lists (the office finds them with the status filter), the counts and the figures.
The other business records entered by mistake are withdrawn the same way (core.withdrawal: a reason, audited, never
deleted), each by the unit that entered it or the office: a look-back place, an inspection (target.withdraw,
inspection.withdraw: the town's manager), a photo (photo.withdraw: whoever records the inspection while it is a draft;
the manager once it is submitted), a remediation task or plan (task.withdraw, plan.withdraw: the town's manager, not the
department or utility that owns the task), a brief (brief.withdraw: its unit) and a work plan (workplan.withdraw: the
town's manager). Only the office admin restores any of them (record.restore), as for cases.
A permission with a town is held by a district role anywhere, and by a town role in its own town only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanluanwu.accounts.choices import ADMIN_ROLES, Role
from sanluanwu.accounts.scope import Scope
from sanluanwu.core.errors import PermissionDenied

# Where a role's permissions hold: district roles in every town, town roles in their own town, assigned roles
# on the records assigned to their unit (registry.visibility decides which those are).
DISTRICT_ROLES = frozenset({Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADER, Role.SYSTEM_ADMIN})
TOWN_ROLES = frozenset({Role.TOWN_MANAGER, Role.TOWN_INSPECTOR})
ASSIGNED_ROLES = frozenset({Role.DEPARTMENT_STAFF, Role.UTILITY_STAFF})

_OFFICE = frozenset({Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
_READERS = frozenset({*_OFFICE, Role.LEADER, Role.TOWN_MANAGER, Role.TOWN_INSPECTOR})
_MANAGERS = frozenset({*_OFFICE, Role.TOWN_MANAGER})
_FIELD = frozenset({*_MANAGERS, Role.TOWN_INSPECTOR})
_DEPT = frozenset({Role.DEPARTMENT_STAFF})
_OWNERS = frozenset({*_FIELD, Role.DEPARTMENT_STAFF, Role.UTILITY_STAFF})
# Who may see a phone or ID number in clear (个人信息保护法: the fewest who need to call the enterprise): the office
# and the town manager in the own town. Not the inspector (works on site, sees the masked number), not the leader
# (reads figures), not departments (they reach the enterprise through the town), never utilities or the admin roles.
_PERSONAL = _MANAGERS
_ALL_BUT_ADMIN = frozenset(Role.values) - ADMIN_ROLES  # 三员分立: the admins get no business notices


@dataclass(frozen=True)
class Permission:
    code: str
    label: str  # what it allows, as the refusal reads: "您的角色不能{label}"
    roles: frozenset[str]


PERMISSIONS: dict[str, Permission] = {
    p.code: p
    for p in [
        # The dynamic list (registry). Department and utility staff see only the cases assigned to them (through
        # registry.visibility: none until the remediation tasks exist, and their list says so).
        Permission("case.view", "查看动态管理整治名单", _READERS | _DEPT),
        Permission("case.export", "导出附件2", _READERS | _DEPT),
        Permission("case.create", "将企业列入动态管理整治名单", _MANAGERS),
        Permission("case.edit", "修改整治对象", _MANAGERS),
        Permission("case.stop_production", "登记停产", _FIELD),
        Permission("case.start_remediation", "确认整治类型（牵头部门）", _DEPT),
        Permission("case.submit_for_review", "申请现场审核", _FIELD),
        Permission("case.pass_review", "现场审核通过", _MANAGERS),
        Permission("case.return_for_rework", "现场审核不通过并退回整治", _MANAGERS),
        Permission("case.approve_closure", "签认销号（牵头部门）", _DEPT),
        Permission("case.refuse_signoff", "不予签认并退回整治（牵头部门）", _DEPT),
        Permission("case.reopen", "重新打开已销号的整治对象", frozenset({Role.OFFICE_ADMIN})),
        # 误列: the town that listed a case (or the office) withdraws it with a reason; only the office admin restores
        # it, so a town cannot move a case out of the counts and back around a reporting deadline.
        Permission("case.withdraw", "撤销误列的整治对象", _MANAGERS),
        Permission("case.restore", "恢复已撤销的整治对象", frozenset({Role.OFFICE_ADMIN})),
        # Every other business record entered by mistake (core.withdrawal): withdrawn with a reason by the unit that
        # entered it or the office; restored by the office admin alone, as for cases.
        Permission("target.withdraw", "撤回误建的排查对象", _MANAGERS),
        Permission("inspection.withdraw", "撤回误录的回头看检查", _MANAGERS),
        Permission("photo.withdraw", "撤回误传的现场照片", _FIELD),
        Permission("task.withdraw", "撤回误派的整治任务", _MANAGERS),
        Permission("plan.withdraw", "撤回误录的整改方案", _MANAGERS),
        Permission("brief.withdraw", "撤回误报的工作简讯", _MANAGERS | _DEPT),
        Permission("workplan.withdraw", "撤回误传的工作方案", _MANAGERS),
        Permission("record.restore", "恢复已撤回的记录", frozenset({Role.OFFICE_ADMIN})),
        # Personal data: a phone or ID number shown in clear (an audited reveal with a reason); an export with
        # them unmasked (a reason, audited with the file's SHA-256).
        Permission("person.reveal", "查看完整的联系电话、身份证号", _PERSONAL),
        # Who sees numbers masked (138****5678) at all; everyone else (utilities; the admin roles, who see no business
        # data, in the audit log and security events) sees none: each number is replaced whole (core.masking.viewer).
        Permission("person.view_masked", "查看脱敏显示的联系电话、身份证号", _ALL_BUT_ADMIN - {Role.UTILITY_STAFF}),
        Permission("export.unmasked", "导出含完整联系电话、身份证号的表格", _PERSONAL),
        Permission("clash.resolve", "处理跨镇（街道）统一社会信用代码重复", _OFFICE),
        Permission("enterprise.edit", "登记或修改企业信息", _MANAGERS),
        Permission("baseline.record", "登记2018-2019年集中整治记录", _MANAGERS),
        # Sheet imports: a preview already stores the file, so it needs the same role as the confirm.
        Permission("import.view", "查看表格导入", _READERS),
        Permission("import.upload", "上传并预览导入表格", _MANAGERS),
        Permission("import.confirm", "确认导入", _MANAGERS),
        # The original sheets hold phone numbers in clear: only those who may see them unmasked (audited).
        Permission("import.download", "下载导入的原始表格", _PERSONAL),
        # The look-back.
        Permission("lookback.view", "查看回头看排查", _READERS),
        Permission("lookback.plan", "逐企生成排查对象", _MANAGERS),
        Permission("lookback.add_place", "添加重点排查场所", _FIELD),
        Permission("lookback.assign", "分配排查任务", _MANAGERS),
        Permission("inspection.record", "记录回头看检查（草稿、照片、提交）", _FIELD),
        Permission("inspection.amend", "更正已提交的检查", _MANAGERS),
        # Remediation (主要任务（二）（三）, 附件1): the type, tasks, plans, reviews, enforcement, the ledger.
        Permission("remediation.view", "查看整治工作", _READERS | _DEPT),
        Permission("remediation.propose_type", "提出整治类型", _MANAGERS),
        Permission("remediation.justify", "说明全部关停取缔的理由（防止“一刀切”）", _MANAGERS),
        Permission("task.view", "查看整治任务", _READERS | _DEPT | frozenset({Role.UTILITY_STAFF})),
        Permission("task.complete", "办理整治任务（登记完成情况或无法办理的原因）", _OWNERS),
        Permission("plan.edit", "编制整改方案", _MANAGERS),
        Permission("plan.decide", "审批整改方案（牵头部门）", _DEPT),
        Permission("plan.progress", "登记整改事项进展", _FIELD),
        Permission("enforcement.record", "登记执法记录", _DEPT | _OFFICE),
        Permission("ledger.download", "下载整治台账", _READERS | _DEPT),
        Permission("notice.view", "查看消息", _ALL_BUT_ADMIN),
        # Campaigns and reporting (四、工作要求（三）, 实施步骤): the office sets a campaign up; towns report each half
        # month (附件2), send briefs and their work plan; the office accepts or returns reports.
        Permission("campaign.manage", "设置专项行动（阶段、报送规则、参加单位）", frozenset({Role.OFFICE_ADMIN})),
        Permission("report.view", "查看半月报送", _READERS),
        Permission("report.monitor", "查看全区报送情况并下载全区汇总表", _OFFICE | frozenset({Role.LEADER})),
        Permission("report.submit", "报送半月报表（附件2）", frozenset({Role.TOWN_MANAGER})),
        Permission("report.request_reopen", "申请退回已审核的报表", frozenset({Role.TOWN_MANAGER})),
        Permission("report.review", "审核半月报表（通过、退回、调整报送日期、同意重新报送）", _OFFICE),
        Permission("workplan.view", "查看工作方案", _READERS),
        Permission("workplan.upload", "上传工作方案", frozenset({Role.TOWN_MANAGER})),
        Permission("brief.view", "查看工作简讯", _READERS | _DEPT),
        Permission("brief.submit", "报送工作简讯", frozenset({Role.TOWN_MANAGER, Role.DEPARTMENT_STAFF})),
        Permission("summary.download", "下载专项行动总结", _OFFICE | frozenset({Role.LEADER})),
        # Reference data (the admin): accounts, org units, campaigns, value synonyms.
        Permission("reference.manage", "管理账号和基础数据", frozenset({Role.SYSTEM_ADMIN})),
        # 等保 security settings (accounts/security.py): the security admin lifts a login lock.
        Permission("security.unlock", "查看并解除账号的登录锁定", frozenset({Role.SECURITY_ADMIN})),
        # A lost authenticator: the security admin removes another user's two-factor devices, with a reason (audited).
        Permission("security.reset_2fa", "重置其他用户的双因素认证（设备丢失）", frozenset({Role.SECURITY_ADMIN})),
        # 三员分立: the security admin reviews security events; the audit admin reads the whole audit log.
        Permission("security.events", "查看安全事件", frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})),
        Permission("audit.view", "查看审计日志", frozenset({Role.AUDIT_ADMIN})),
    ]
}


def _permission(code: str) -> Permission:
    try:
        return PERMISSIONS[code]
    except KeyError:
        raise KeyError(f"unknown permission {code!r}: add it to accounts/permissions.py") from None


def allows(scope: Scope, code: str, *, town_id: int | None = None, assigned: bool = False) -> bool:
    """Whether the user may do `code`: in the given town (on a record assigned to their unit when `assigned`),
    or, without a town, anywhere at all (which buttons and menus to show; the door check of a page)."""
    roles = _permission(code).roles
    if roles & DISTRICT_ROLES & scope.roles:
        return True
    if town_id is None:
        return bool(roles & scope.roles)
    if roles & scope.roles_in_town(town_id):
        return True
    return assigned and bool(roles & ASSIGNED_ROLES & scope.roles)


def denial(scope: Scope, code: str, *, town_id: int | None = None, assigned: bool = False) -> str | None:
    """Why the user may not do `code` (Chinese, for the 403 and the import's error row), or None."""
    if allows(scope, code, town_id=town_id, assigned=assigned):
        return None
    label = _permission(code).label
    if town_id is not None and allows(scope, code):
        return f"您只能在本单位范围内{label}"
    held = "、".join(sorted(Role(r).label for r in scope.roles)) or "未分配角色"
    return f"您的角色（{held}）不能{label}"


def require(scope: Scope, code: str, *, town_id: int | None = None, assigned: bool = False) -> None:
    """Raise PermissionDenied (403 in pages and API) with the reason when the table refuses."""
    reason = denial(scope, code, town_id=town_id, assigned=assigned)
    if reason:
        raise PermissionDenied(reason)


def towns_allowing(scope: Scope, code: str) -> frozenset[int] | None:
    """The towns where the user may do `code`: None means every town (a district role)."""
    roles = _permission(code).roles
    if roles & DISTRICT_ROLES & scope.roles:
        return None
    return frozenset(town for town, role in scope.town_roles if role in roles)
