"""The document's four checks (主要任务（一）) as data, and how a look-back category follows from the answers.

Which items apply depends on how the enterprise was remediated in 2018-2019, or for a key place on its kind
(PLACE_GROUPS). An answer equal to an item's `problem_if` is a problem; the item's `category` says which
look-back category it points to.
When several problems point to different categories, the first in CATEGORY_PRECEDENCE wins: a new
operator in the premises (3) is a different enterprise from the one shut down (1).
"""

from __future__ import annotations

from dataclasses import dataclass

from sanluanwu.lookback.choices import Answer, PlaceKind
from sanluanwu.registry.choices import BaselineMethod, LookbackCategory

SHUTDOWN, RECTIFICATION, BOTH, ANY = "shutdown", "rectification", "both", "any"
VACANT = "vacant"  # a vacant factory (废弃厂房 of 主要任务（一）): whoever operates there has moved in


@dataclass(frozen=True)
class Item:
    code: str
    group: str  # shutdown | rectification | both | any
    text: str
    problem_if: str  # the answer that is a problem
    category: int
    finding_column: str  # which 附件2 problem column a problem is written in: env | safety | other
    finding: str  # the words written there


ITEMS: list[Item] = [
    Item("water_cut", SHUTDOWN, "断水是否仍然有效（未私自接水）？", Answer.NO, LookbackCategory.RESUMED, "other",
         "关停取缔后私自恢复供水"),
    Item("power_cut", SHUTDOWN, "断电是否仍然有效（未私自接电）？", Answer.NO, LookbackCategory.RESUMED, "safety",
         "关停取缔后私自恢复供电"),
    Item("materials_cleared", SHUTDOWN, "原料是否仍已清除？", Answer.NO, LookbackCategory.RESUMED, "env",
         "现场重新堆放生产原料"),
    Item("equipment_cleared", SHUTDOWN, "生产设备是否仍已清除？", Answer.NO, LookbackCategory.RESUMED, "env",
         "现场重新安装生产设备"),
    Item("products_cleared", SHUTDOWN, "产品是否仍已清除？", Answer.NO, LookbackCategory.RESUMED, "env",
         "现场存放生产产品"),
    Item("producing", SHUTDOWN, "是否有人在生产经营？", Answer.YES, LookbackCategory.RESUMED, "env",
         "关停取缔后违法复产经营"),
    Item("facilities_running", RECTIFICATION, "污染治理设施是否在位并正常运行？", Answer.NO, LookbackCategory.RELAPSED,
         "env", "污染治理设施未正常运行"),
    Item("permits_valid", RECTIFICATION, "环保等相关许可手续是否有效？", Answer.NO, LookbackCategory.RELAPSED, "other",
         "相关许可手续失效或未办理"),
    Item("requirements_met", RECTIFICATION, "是否仍达到环保、安全等整治要求？", Answer.NO, LookbackCategory.RELAPSED,
         "safety", "整治提升后未保持环保、安全要求"),
    Item("new_operator", BOTH, "是否有新的“散乱污”企业（作坊）进驻该场所？", Answer.YES, LookbackCategory.NEW_IN_VACANT,
         "env", "空置厂房新进驻“散乱污”企业（作坊）"),
    Item("vacant_occupied", VACANT, "是否有“散乱污”企业（作坊）进驻该空置厂房生产经营？", Answer.YES,
         LookbackCategory.NEW_IN_VACANT, "env", "空置厂房新进驻“散乱污”企业（作坊）"),
    Item("never_listed", ANY, "是否发现未纳入整治的“散乱污”企业（作坊）？", Answer.YES, LookbackCategory.NEVER_LISTED,
         "env", "新发现未纳入整治的“散乱污”企业（作坊）"),
]  # fmt: skip
ITEMS_BY_CODE = {item.code: item for item in ITEMS}
CATEGORY_PRECEDENCE = [
    LookbackCategory.NEW_IN_VACANT,
    LookbackCategory.RESUMED,
    LookbackCategory.RELAPSED,
    LookbackCategory.NEVER_LISTED,
]
# Categories whose case is about a different (new) enterprise at the place, not the one checked.
NEW_ENTERPRISE_CATEGORIES = {LookbackCategory.NEW_IN_VACANT, LookbackCategory.NEVER_LISTED}


# The items of each kind of key place. A 散乱污 found in a vacant factory moved into empty premises: 第三类
# (空置厂房新的“散乱污”进驻, 填写说明 3). In a farm, an idle house, a rental or elsewhere it was simply never
# listed: 第四类, unless the inspector corrects the category with a reason.
PLACE_GROUPS: dict[str, list[str]] = {
    PlaceKind.ABANDONED_FACTORY: [VACANT],
    PlaceKind.FARM: [ANY],
    PlaceKind.IDLE_HOUSE: [ANY],
    PlaceKind.RENTAL: [ANY],
    PlaceKind.OTHER: [ANY],
}


def groups_for(kind: str, baseline_method: str | None) -> list[str]:
    """Which groups of items apply to a place: by its 2018-2019 remediation, or by the kind of key place."""
    if kind != PlaceKind.BASELINE:
        return PLACE_GROUPS.get(kind, [ANY])
    if not baseline_method:
        return [ANY]
    if baseline_method == BaselineMethod.RECTIFICATION:
        return [RECTIFICATION, BOTH, ANY]
    # Shut down, relocated (the old site must stay unable to produce) or other: the 两断三清 checks.
    return [SHUTDOWN, BOTH, ANY]


def items_for(kind: str, baseline_method: str | None) -> list[Item]:
    groups = groups_for(kind, baseline_method)
    return [item for item in ITEMS if item.group in groups]


def problems(answers: dict[str, str], applicable: list[Item]) -> list[Item]:
    return [item for item in applicable if answers.get(item.code) == item.problem_if]


def derive_category(answers: dict[str, str], applicable: list[Item]) -> int | None:
    """The look-back category the problems point to (None when no problem)."""
    found = {item.category for item in problems(answers, applicable)}
    return next((c for c in CATEGORY_PRECEDENCE if c in found), None)


def findings(answers: dict[str, str], notes: dict[str, str], applicable: list[Item]) -> dict[str, str]:
    """The problems in the words of 附件2's three problem columns (env / safety / other), with the notes."""
    columns: dict[str, list[str]] = {"env": [], "safety": [], "other": []}
    for item in problems(answers, applicable):
        note = (notes.get(item.code) or "").strip()
        columns[item.finding_column].append(f"{item.finding}（{note}）" if note else item.finding)
    return {k: "；".join(v) for k, v in columns.items()}
