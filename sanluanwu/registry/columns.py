"""The columns of 附件2, and the other inputs of a dynamic-list row, each defined once.

A Column says where its value lives (the enterprise's or the case's record, which field), how 附件2 heads it and
writes it (header, width, the cell rendered from the record), how it is entered (the form's and the API's field,
its length limit, one line or several), and how towns head it in their sheets (synonyms; the importer reads a
cell with `parse`, added by the cells module). The form (forms.CaseForm), the API (api.serializers), the exporter
(exports.py), the list page's column choice and the importer (imports.layout, imports.importer) read these lists.
Adding a column is one edit here, plus its model field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from rest_framework import serializers

from sanluanwu.core import geo
from sanluanwu.core.api import RowIdField
from sanluanwu.core.masking import MASKS
from sanluanwu.registry import cells
from sanluanwu.registry.choices import LicenceStatus, LookbackCategory, RemediationType, progress_words

LINE, LINES = "line", "lines"  # one line of text (names) or several (problems, notes)
ENTERPRISE, CASE = "enterprise", "case"


@dataclass(frozen=True)
class Column:
    key: str  # the code word; also the form's and the API's field name
    header: str  # as 附件2 (or the form) heads it
    record: str | None = None  # ENTERPRISE or CASE: whose field it fills; None for 序号, 整治进度, the system id
    field: str | None = None  # the model field it fills
    # 附件2 output: the record paths it is written from (relative to a Case) and how they render as the cell.
    sources: tuple[str, ...] = ()
    render: Callable[..., Any] | None = None
    width: float = 10
    centered: bool = False
    # Input: kind of text, its length limit (what a 附件2 cell and the record can hold), required for a new row.
    text: str | None = LINE
    max_length: int | None = None
    typed_max: int | None = None  # how long the typed text may be when spaces are dropped on saving (credit codes)
    required: bool = False
    help: str = ""
    # A sheet: how towns head the column (compared without spaces, quotes, brackets or separators), how a cell is
    # read and shown ("7月底 → 2020-07-31"), whether its values repeat down a sheet (read once per value), and the
    # short name the import preview uses for it.
    synonyms: tuple[str, ...] = ()
    read: cells.Reader | None = cells.read_text
    repeats: bool = False
    label: str = ""

    @property
    def short(self) -> str:
        return self.label or self.header

    @property
    def personal(self) -> str | None:
        """The kind of personal data the column holds (core.masking.MASKS), None for none: see PERSONAL."""
        return PERSONAL.get(self.key)

    def cell(self, case: Any, *, unmasked: bool = False) -> Any:
        """The value as 附件2 and the list page show it, from a Case (with its enterprise): masked when personal,
        unless the caller holds export.unmasked and says why."""
        values = [_path(case, source) for source in self.sources]
        value = self.render(*values) if self.render else (values[0] if values else "")
        return value if unmasked else self.masked(value)

    def masked(self, value: Any) -> Any:
        kind = self.personal
        return MASKS[kind](value) if kind and value else value


# The columns holding personal data (个人信息保护法) and how they are masked in every output (core.masking): the
# phone, and the person, address and free-text columns, in which people type phone or ID numbers (a doorkeeper's
# mobile after the address). Names stay readable.
PERSONAL: dict[str, str] = {
    "address": "text", "legal_person": "text", "phone": "phone", "responsible_person": "text", "env_problems": "text",
    "safety_problems": "text", "other_problems": "text", "progress_note": "text",
    "progress": "text",  # the words end with the progress note
}  # fmt: skip


def _path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def _label(choices: Any) -> Callable[[Any], str]:
    labels = {str(value): label for value, label in choices}
    return lambda value: labels.get(str(value), "") if value not in (None, "") else ""


def _text(value: Any) -> str:
    return value or ""


# 附件2's 15 columns, in the official order (序号 is numbered by the writer).
# fmt: off
ATTACHMENT2: list[Column] = [
    Column("seq", "序号", text=None, width=5, centered=True, read=None, synonyms=("序号", "编号", "序", "排序", "no")),
    Column("name", "企业名称", ENTERPRISE, "name", sources=("enterprise__name",), render=_text, width=22,
           max_length=200, required=True,
           help="有营业执照的按执照填写；无执照的按“负责人姓名+经营内容+作坊（或个体户）”填写",
           synonyms=("企业名称", "企业(作坊)名称", "企业作坊名称", "名称", "单位名称", "作坊名称", "企业名称(作坊)",
                     "企业或作坊名称", "企业(个体户)名称", "个体户名称", "经营户名称", "商户名称", "企业(作坊)全称",
                     "散乱污企业名称", "企业名称(全称)", "企业(作坊)名称(全称)")),
    Column("industry", "行业类别", ENTERPRISE, "industry", sources=("enterprise__industry",), render=_text,
           width=10, centered=True, max_length=100, required=True,
           synonyms=("行业类别", "行业", "所属行业", "经营内容", "行业类型", "行业分类", "主营业务", "生产内容",
                     "生产经营内容", "主要产品", "经营项目")),
    Column("address", "详细地址", ENTERPRISE, "address", sources=("enterprise__address",), render=_text, width=22,
           max_length=300, required=True,
           synonyms=("详细地址", "地址", "经营地址", "所在地址", "生产经营地址", "具体地址", "企业地址", "生产地址",
                     "经营场所", "所在地", "地点", "详细地点")),
    Column("coordinates", "经纬度", ENTERPRISE, "coord_input", sources=("enterprise__longitude", "enterprise__latitude"),
           render=geo.format_point, width=13, max_length=100, required=True, read=cells.read_coordinates,
           help="如 119.9567, 31.7123 或 119°57′24″E, 31°42′44″N；先后顺序不限",
           synonyms=("经纬度", "坐标", "经纬度坐标", "gps坐标", "gps", "地理坐标", "定位坐标", "经纬度(e,n)")),
    Column("legal_person", "企业法人或负责人", ENTERPRISE, "legal_person", sources=("enterprise__legal_person",),
           render=_text, width=10, centered=True, max_length=50, required=True,
           synonyms=("企业法人或负责人", "法人或负责人", "企业法人负责人", "法人负责人", "负责人", "法人", "企业法人",
                     "法定代表人", "经营者", "业主", "法人代表", "企业负责人", "实际经营人", "实际负责人", "户主",
                     "负责人姓名", "业主姓名", "经营者姓名", "法定代表人或负责人", "法定代表人负责人")),
    Column("lookback_category", "属于“回头看”四种排查类型类别", CASE, "lookback_category",
           sources=("lookback_category",), render=_label(LookbackCategory.choices), width=16, centered=True,
           text=None, required=True, read=cells.read_category, repeats=True, label="排查类型类别",
           synonyms=("属于回头看四种排查类型类别", "四种排查类型类别", "排查类型类别", "排查类型", "回头看类型", "类别",
                     "回头看排查类型", "四种排查类型", "排查类别", "属于四种排查类型类别", "回头看类别", "类型类别")),
    Column("licence_status", "营业执照办理情况", ENTERPRISE, "licence_status", sources=("enterprise__licence_status",),
           render=_label(LicenceStatus.choices), width=9, centered=True, text=None, required=True,
           read=cells.read_licence, repeats=True,
           synonyms=("营业执照办理情况", "营业执照", "执照办理情况", "是否办理营业执照", "有无营业执照", "营业执照情况",
                     "是否有营业执照", "执照情况", "证照情况", "证照办理情况")),
    Column("env_problems", "存在环境违法行为、环境风险问题情况", CASE, "env_problems", sources=("env_problems",),
           render=_text, width=18, text=LINES, max_length=2000, help="不存在此类问题的不填（填写说明2）",
           read=cells.read_problems, label="环境违法行为、环境风险问题",
           synonyms=("存在环境违法行为、环境风险问题情况", "存在环境违法行为环境风险问题情况", "环境违法行为、环境风险问题",
                     "环境问题", "环境违法行为", "存在问题环境", "环保问题", "存在的环境问题", "环境风险问题")),
    Column("safety_problems", "存在安全隐患情况", CASE, "safety_problems", sources=("safety_problems",), render=_text,
           width=14, text=LINES, max_length=2000, read=cells.read_problems, label="安全隐患",
           synonyms=("存在安全隐患情况", "安全隐患", "安全问题", "存在问题安全", "安全生产隐患", "存在的安全隐患")),
    Column("other_problems", "存在其他问题情况", CASE, "other_problems", sources=("other_problems",), render=_text,
           width=13, text=LINES, max_length=2000, read=cells.read_problems, label="其他问题",
           synonyms=("存在其他问题情况", "其他问题", "存在问题其他", "其它问题", "存在其它问题情况", "存在的其他问题")),
    Column("remediation_type", "整治类型", CASE, "remediation_type", sources=("remediation_type",),
           render=_label(RemediationType.choices), width=8, centered=True, text=None, read=cells.read_remediation_type,
           repeats=True, synonyms=("整治类型", "整治方式", "整改类型", "处置类型", "整治类别", "处置方式", "整治分类")),
    Column("planned_completion", "计划完成时间", CASE, "planned_completion", sources=("planned_completion",), width=11,
           text=None, read=cells.read_date, repeats=True,
           synonyms=("计划完成时间", "完成时限", "计划完成日期", "整治期限", "完成时间", "计划完成时限", "整改期限",
                     "整改时限", "治理期限", "整治时限", "完成期限", "计划整治完成时间", "整治完成时限")),
    Column("progress", "整治进度", sources=("status", "progress_note", "closed_on", "stage"), render=progress_words, width=14,
           text=None, read=cells.read_progress, repeats=True,
           synonyms=("整治进度", "进度", "整治情况", "整改进度", "完成情况", "整治进展", "进展情况", "整治进展情况",
                     "目前进度", "工作进度", "整改情况", "整治完成情况", "目前整治情况", "整治推进情况")),
    Column("responsible_person", "责任人", CASE, "responsible_person", sources=("responsible_person",), render=_text,
           width=8, max_length=50, required=True,
           synonyms=("责任人", "包保责任人", "镇级责任人", "责任人姓名", "整治责任人", "整改责任人", "挂钩责任人",
                     "包干责任人", "属地责任人", "整治责任人姓名", "镇村责任人", "村级责任人")),
]

# The other inputs of a row: in the form and the API, and read from a sheet when it has them.
EXTRA: list[Column] = [
    Column("town", "所属镇（街道）", ENTERPRISE, "town", sources=("town__name",), render=_text, text=None,
           required=True, read=cells.read_town, repeats=True,
           synonyms=("所属镇(街道)", "镇(街道)", "镇街", "所属镇街", "属地", "镇(街道、开发区)", "板块", "所属板块",
                     "镇别", "所在镇", "所属镇", "所在镇(街道)", "所在镇(街道、园区)", "镇(街道、园区)", "所在镇街",
                     "乡镇", "所在乡镇", "所属乡镇", "所在板块", "镇(区)", "街道(镇)")),
    Column("village", "村（社区）", ENTERPRISE, "village", sources=("enterprise__village",), render=_text,
           max_length=60,
           synonyms=("村(社区)", "所属村(社区)", "村居", "所在村", "村委", "所属村", "村(居)", "所在村(社区)")),
    Column("coord_datum", "坐标系", ENTERPRISE, "coord_datum", text=None, read=None),
    Column("phone", "联系电话", ENTERPRISE, "phone", sources=("enterprise__phone",), render=_text, max_length=30,
           read=cells.read_phone, synonyms=("联系电话", "电话", "联系方式", "手机", "手机号码", "电话号码", "联系手机")),
    Column("credit_code", "统一社会信用代码", ENTERPRISE, "credit_code", sources=("enterprise__credit_code",),
           render=_text, max_length=18, typed_max=30, read=cells.read_credit_code,
           synonyms=("统一社会信用代码", "信用代码", "社会信用代码")),
    Column("listed_on", "列入名单日期", CASE, "listed_on", sources=("listed_on",), text=None, help="不填则为今天",
           read=None),
    Column("progress_note", "整治进度说明", CASE, "progress_note", sources=("progress_note",), render=_text,
           text=LINES, max_length=2000, read=None),
]
SYSTEM_ID = Column("system_id", "系统编号（请勿修改）", text=None, width=12, read=cells.read_system_id,
                   synonyms=("系统编号(请勿修改)", "系统编号", "系统id", "id"), label="系统编号")
# Columns only a sheet has: a split position, a person and phone in one cell, and the 2018-2019 list's own two.
SHEET_ONLY: list[Column] = [
    Column("longitude", "经度", text=None, read=cells.read_text, synonyms=("经度", "东经")),
    Column("latitude", "纬度", text=None, read=cells.read_text, synonyms=("纬度", "北纬")),
    Column("person_phone", "负责人及联系电话", text=None, read=cells.read_person_phone, label="负责人及联系电话（同一格）",
           synonyms=("负责人及联系电话", "负责人及电话", "联系人及电话", "联系人及联系电话", "联系人及联系方式",
                     "负责人及联系方式", "法人及联系电话", "联系人电话", "负责人联系电话", "联系人联系方式")),
    Column("method", "2018-2019年整治方式", text=None, read=cells.read_baseline_method, repeats=True,
           synonyms=("整治方式", "整治类型", "整治措施", "处置方式", "整治情况", "整治结果", "2018-2019年整治方式")),
    Column("completed_on", "完成时间", text=None, read=cells.read_baseline_date, repeats=True,
           synonyms=("完成时间", "整治完成时间", "完成日期", "销号时间", "整治时间")),
]
# fmt: on

BY_KEY: dict[str, Column] = {c.key: c for c in [*ATTACHMENT2, *EXTRA, SYSTEM_ID, *SHEET_ONLY]}
# The columns a sheet of each kind may have, in the order the import preview lists them.
SHEET_COLUMNS: dict[str, list[str]] = {
    "list": ["seq", "system_id", "name", "industry", "address", "coordinates", "longitude", "latitude", "legal_person",
             "phone", "person_phone", "lookback_category", "licence_status", "credit_code", "env_problems",
             "safety_problems", "other_problems", "remediation_type", "planned_completion", "progress",
             "responsible_person", "town", "village"],
    "baseline": ["seq", "system_id", "name", "industry", "address", "coordinates", "longitude", "latitude",
                 "legal_person", "phone", "person_phone", "licence_status", "credit_code", "town", "village",
                 "method", "completed_on"],
}  # fmt: skip
ENTERPRISE_INPUTS = ["name", "industry", "address", "town", "legal_person", "licence_status", "coordinates",
                     "coord_datum", "village", "phone", "credit_code"]  # fmt: skip
CASE_INPUTS = ["lookback_category", "responsible_person", "env_problems", "safety_problems", "other_problems",
               "remediation_type", "planned_completion", "listed_on", "progress_note"]  # fmt: skip
# What the list page can show (the office may choose all 15 columns of 附件2), and what it shows by default.
LIST_COLUMNS = [c for c in [ATTACHMENT2[1], BY_KEY["town"], *ATTACHMENT2[2:]] if c.sources]
LIST_DEFAULT = ["name", "town", "industry", "lookback_category", "remediation_type", "planned_completion", "progress",
                "responsible_person"]  # fmt: skip


def text_errors(key: str, value: str) -> str | None:
    """The length rule of a text column, in Chinese."""
    column = BY_KEY[key]
    if column.max_length and len(value) > column.max_length:
        return f"“{column.header}”最多 {column.max_length} 个字（现有 {len(value)} 个字）"
    return None


# ---- the form's and the API's fields, built from the columns -----------------------------------------------------

_TEXTAREA = forms.Textarea(attrs={"rows": 2})
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def form_field(key: str) -> forms.Field:
    """The HTML form's field for an input column (CaseForm builds itself from these)."""
    c = BY_KEY[key]
    label, required = c.header, c.required
    if key == "town":
        from sanluanwu.accounts.models import OrgUnit

        return forms.ModelChoiceField(label=label, queryset=OrgUnit.objects.none(), empty_label="请选择")
    if key == "coord_datum":
        return forms.ChoiceField(label=label, choices=geo.DATUM_CHOICES, initial=geo.DATUM_WGS84)
    if key == "lookback_category":
        return forms.TypedChoiceField(label=label, coerce=int, choices=[("", "请选择"), *LookbackCategory.choices])
    if key == "licence_status":
        return forms.ChoiceField(label=label, choices=LicenceStatus.choices)
    if key == "remediation_type":
        return forms.ChoiceField(label=label, required=False, choices=[("", "待确定"), *RemediationType.choices])
    if key in ("planned_completion", "listed_on"):
        return forms.DateField(label=label, required=False, widget=_DATE, help_text=c.help)
    widget = _TEXTAREA if c.text == LINES else None
    return forms.CharField(label=label, required=required, max_length=c.typed_max or c.max_length or 100_000, widget=widget,
                           help_text=c.help)  # fmt: skip


def serializer_field(key: str) -> serializers.Field:
    """The API's write field for an input column (the same limits as the form)."""
    c = BY_KEY[key]
    label = c.header
    if key == "town":
        from sanluanwu.accounts.choices import OrgUnitKind
        from sanluanwu.accounts.models import OrgUnit

        return RowIdField(queryset=OrgUnit.objects.filter(kind=OrgUnitKind.TOWN), label=label)
    if key == "coord_datum":
        return serializers.ChoiceField(choices=geo.DATUM_CHOICES, default=geo.DATUM_WGS84, label=label)
    if key == "lookback_category":
        return serializers.ChoiceField(choices=LookbackCategory.choices, label=label)
    if key == "licence_status":
        return serializers.ChoiceField(choices=LicenceStatus.choices, label=label)
    if key == "remediation_type":
        return serializers.ChoiceField(choices=[("", "待确定"), *RemediationType.choices], required=False,
                                       allow_blank=True, default="", label=label)  # fmt: skip
    if key in ("planned_completion", "listed_on"):
        return serializers.DateField(required=False, allow_null=True, default=None, label=label)
    limit = c.typed_max or c.max_length or 100_000
    if c.required:
        return serializers.CharField(max_length=limit, label=label, help_text=c.help)
    return serializers.CharField(max_length=limit, required=False, allow_blank=True, default="", label=label,
                                 help_text=c.help)  # fmt: skip


def header_widths(columns: Sequence[Column] = ATTACHMENT2) -> list[tuple[str, float]]:
    return [(c.header, c.width) for c in columns]


def personal_fields(record: str) -> dict[str, str]:
    """The model fields of a record (ENTERPRISE or CASE) holding personal data, for core.masking's registry."""
    return {c.field: c.personal for c in BY_KEY.values() if c.record == record and c.field and c.personal}
