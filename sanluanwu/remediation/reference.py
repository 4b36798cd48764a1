"""The duties of 附件1 as data: the lead department of each remediation type and the tasks a shutdown creates.
Written once when the org units exist (the demo loader, a new district's setup); the admin edits them after."""

from __future__ import annotations

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.audit import memo
from sanluanwu.remediation.choices import OwnerKind, TaskCondition
from sanluanwu.remediation.models import LeadUnit, TaskKind

LEADS = {"shutdown": "gxj", "rectification": "sthjj"}

# code, label, item code, condition, owner (unit code or "town"), coordinator, days, evidence, meter, photo, document
TASK_KINDS = [
    ("water_cut", "断水", "water_cut", TaskCondition.ALWAYS, "shuiwu", "", 10,
     "户号或水表号、断开时止码、断水日期、断开处现场照片", True, True, False),
    ("power_cut", "断电", "power_cut", TaskCondition.ALWAYS, "gongdian", "fgj", 10,
     "户号或电表号、断开时止码、断电日期、拆表或断开处现场照片", True, True, False),
    ("clear_materials", "清除原料", "clear_materials", TaskCondition.ALWAYS, "town", "", 15, "清除后现场照片", False, True, False),
    ("clear_equipment", "清除设备", "clear_equipment", TaskCondition.ALWAYS, "town", "", 15, "清除后现场照片", False, True, False),
    ("clear_products", "清除产品", "clear_products", TaskCondition.ALWAYS, "town", "", 15, "清除后现场照片", False, True, False),
    ("revoke_licence", "吊销营业执照", "", TaskCondition.LICENSED, "scjgj", "", 30, "吊销决定书文号", False, False, True),
    ("cancel_water_permit", "注销取水许可", "", TaskCondition.WATER_PERMIT, "slj", "", 30, "注销决定书文号", False, False,
     True),
    ("illegal_land", "违法用地查处", "", TaskCondition.ILLEGAL_LAND, "zrzygh", "", 30, "处罚或处理决定书文号", False, False,
     True),
]  # fmt: skip


def ensure_reference(units: dict[str, OrgUnit]) -> None:
    """Create what is missing; never overwrite what the admin changed."""
    leads = [LeadUnit(remediation_type=rtype, unit=units[code]) for rtype, code in LEADS.items() if code in units]
    kinds = []
    for order, (code, label, item, cond, owner, coord, days, help_text, meter, photo, doc) in enumerate(TASK_KINDS):
        if owner != "town" and owner not in units:
            continue
        kinds.append(TaskKind(
            code=code, label=label, item_code=item, condition=cond,
            owner_kind=OwnerKind.TOWN if owner == "town" else OwnerKind.UNIT,
            owner_unit=None if owner == "town" else units[owner], coordinator_unit=units.get(coord),
            due_days=days, evidence_help=help_text, needs_meter=meter, needs_photo=photo, needs_document=doc,
            sort_order=order,
        ))  # fmt: skip
    # Those not there yet, in one insert each (a new district: every test's org units): the admin's own stay as set.
    have_leads = set(LeadUnit.objects.values_list("remediation_type", flat=True))
    LeadUnit.objects.bulk_create([lead for lead in leads if lead.remediation_type not in have_leads])
    have_kinds = set(TaskKind.objects.values_list("code", flat=True))
    TaskKind.objects.bulk_create([kind for kind in kinds if kind.code not in have_kinds])
    memo.bump("remediation")  # bulk_create sends no post_save
