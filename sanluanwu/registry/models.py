"""Enterprise (企业（作坊）), its 2018-2019 baseline record and its cases on the dynamic list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.geo import DATUM_CHOICES, DATUM_WGS84
from sanluanwu.core.masking import mask_text
from sanluanwu.registry.choices import (
    BaselineMethod,
    CaseStatus,
    LicenceStatus,
    LookbackCategory,
    RemediationType,
    Stage,
    progress_words,
)

# Fields whose changes the audit log records (and the edit services compare).
ENTERPRISE_AUDITED = [
    "name",
    "industry",
    "address",
    "town",
    "village",
    "longitude",
    "latitude",
    "coord_datum",
    "coord_input",
    "legal_person",
    "phone",
    "credit_code",
    "licence_status",
]
CASE_AUDITED = [
    "lookback_category",
    "env_problems",
    "safety_problems",
    "other_problems",
    "remediation_type",
    "planned_completion",
    "listed_on",
    "status",
    "progress_note",
    "responsible_person",
    "closed_on",
    "town",
]


class Enterprise(models.Model):
    """A business or workshop at a place; keeps its history of baseline records and cases over the years."""

    name = models.CharField("企业名称", max_length=200)
    name_key = models.CharField("名称比对键", max_length=200, editable=False)
    industry = models.CharField("行业类别", max_length=100)
    address = models.CharField("详细地址", max_length=300)
    # db_index=False: the unique (town, name_key) and the (town, -id) indexes serve every lookup by town.
    town = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="enterprises", verbose_name="所属镇（街道）", db_index=False
    )
    village = models.CharField("村（社区）", max_length=60, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    coord_datum = models.CharField("坐标系", max_length=10, choices=DATUM_CHOICES, default=DATUM_WGS84)
    coord_input = models.CharField("经纬度（原始填写）", max_length=100, blank=True)
    legal_person = models.CharField("企业法人或负责人", max_length=50)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    licence_status = models.CharField("营业执照办理情况", max_length=20, choices=LicenceStatus.choices)
    search_text = models.TextField("检索文本", editable=False, default="")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "企业（作坊）"
        verbose_name_plural = "企业（作坊）"
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name_key"],
                name="enterprise_unique_name_in_town",
                violation_error_message="同一镇（街道）内已有同名企业",
            ),
        ]
        indexes = [
            # Serves "who else holds this credit code": no longer unique, since a town registering a code another
            # town holds is not told so (no existence oracle); the office resolves the clash (CreditCodeClash).
            models.Index(fields=["credit_code"], condition=~Q(credit_code=""), name="enterprise_credit_code_idx"),
            # Serves the enterprise list of one town, newest first (keyset on id).
            models.Index(fields=["town", "-id"], name="enterprise_town_id_idx"),
            # Serves "another enterprise within 50 m": a lat/lon box pre-filter.
            models.Index(fields=["latitude", "longitude"], name="enterprise_latlon_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class BaselineRecord(models.Model):
    """How the enterprise was remediated in the 2018-2019 集中整治: the list the look-back walks."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="baseline_records", verbose_name="企业"
    )
    batch = models.CharField("整治批次", max_length=60, default="2018-2019年集中整治")
    method = models.CharField("整治方式", max_length=20, choices=BaselineMethod.choices)
    method_text = models.CharField("整治方式（原文）", max_length=60, blank=True)
    completed_on = models.DateField("完成时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "集中整治记录"
        verbose_name_plural = "集中整治记录"
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.batch} · {self.get_method_display()}"


class Case(models.Model):
    """One enterprise on the dynamic list of a campaign: one row of 附件2."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="cases", verbose_name="企业")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="cases", verbose_name="专项行动")
    # A copy of enterprise.town kept by the services: the scoping key of every case query.
    # db_index=False: the (town, -id) and (town, status, -id) indexes below serve every lookup by town.
    town = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="cases", verbose_name="所属镇（街道）",
                             db_index=False)  # fmt: skip
    lookback_category = models.PositiveSmallIntegerField("回头看排查类型", choices=LookbackCategory.choices)
    env_problems = models.TextField("存在环境违法行为、环境风险问题情况", blank=True)
    safety_problems = models.TextField("存在安全隐患情况", blank=True)
    other_problems = models.TextField("存在其他问题情况", blank=True)
    remediation_type = models.CharField("整治类型", max_length=20, choices=RemediationType.choices, blank=True)
    planned_completion = models.DateField("计划完成时间", null=True, blank=True)
    listed_on = models.DateField("列入名单日期")
    status = models.CharField("整治状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.LISTED)
    progress_note = models.TextField("整治进度说明", blank=True)
    # 整治进度 as the remediation work derives it from the stop, the classification, the tasks or the plan and the
    # review ("两断三清进行中（3/5）"); written only by registry.services.set_stage, never typed.
    stage = models.CharField("整治阶段", max_length=40, blank=True, default="")
    responsible_person = models.CharField("责任人", max_length=50)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    # Lower-cased name, address and person of the enterprise: the free-text search column
    # (a pg_trgm GIN index on PostgreSQL, migration 0002), copied here to avoid a join per page.
    search_text = models.TextField("检索文本", editable=False, default="")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "整治对象"
        verbose_name_plural = "整治对象"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_completion__isnull=True) | Q(planned_completion__gte=models.F("listed_on")),
                name="case_planned_after_listed",
                violation_error_message="计划完成时间不能早于列入名单日期",
            ),
        ]
        indexes = [
            # Each serves the list page filtered by one field, newest first, with keyset pagination on id.
            models.Index(fields=["town", "-id"], name="case_town_id_idx"),
            models.Index(fields=["status", "-id"], name="case_status_id_idx"),
            models.Index(fields=["town", "status", "-id"], name="case_town_status_id_idx"),
            # The town's 待办 counts on the list page (remediation.queries.pending_for: status and stage in words)
            # read the index alone; without it each count read ~11,000 rows of a town at 1,000,000 cases (0.1 s).
            models.Index(fields=["town", "status", "stage"], name="case_town_status_stage_idx"),
            models.Index(fields=["lookback_category", "-id"], name="case_category_id_idx"),
            models.Index(fields=["remediation_type", "-id"], name="case_type_id_idx"),
            models.Index(fields=["planned_completion"], name="case_planned_idx"),
            # The district's rectifications past their deadline with items still to do (the office's list page and
            # remediation overview, remediation.queries.overdue_rectifications): only the cases under rectification,
            # read as an index alone. Through case_planned_idx the count read every case due before today, a third of
            # a million cases, in 150 ms on all cores (2.8 ms here).
            models.Index(
                fields=["planned_completion"],
                name="case_overdue_rect_idx",
                condition=Q(remediation_type=RemediationType.RECTIFICATION, status=CaseStatus.REMEDIATING)
                & ~Q(stage=Stage.ITEMS_DONE),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name}（{self.campaign.name}）" if self.campaign_id else self.enterprise.name

    @property
    def is_open(self) -> bool:
        """Under remediation: neither closed (销号) nor withdrawn (误列); only an open case is edited or overdue."""
        return self.status not in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)

    def is_overdue(self, today: object) -> bool:
        return bool(self.is_open and self.planned_completion and self.planned_completion < today)  # type: ignore[operator]

    @property
    def progress_text(self) -> str:
        """整治进度 in words, from the case record (never retyped), as every page and API answer shows it: the note in
        it masked like the note itself (a phone typed into the note is personal data; the clear note is the field's,
        through the audited reveal)."""
        return progress_words(self.status, mask_text(self.progress_note), self.closed_on, self.stage)


class CaseStatusChange(models.Model):
    """One row per change of a case's status, from any writer (form, API, import, later remediation and
    supervision), written in the transaction of the change. A case starts as 已列入名单 on its listing day; the as-of
    export and the half-monthly reports read the state of a case on a past day from these rows, never from the audit
    log.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_changes", verbose_name="整治对象")
    from_status = models.CharField("原状态", max_length=20, choices=CaseStatus.choices)
    to_status = models.CharField("新状态", max_length=20, choices=CaseStatus.choices)
    occurred_at = models.DateTimeField("时间")
    action = models.CharField("操作", max_length=40, help_text="工作流中的操作（如 stop_production）")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="操作人", db_constraint=False)  # fmt: skip
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "整治状态变更"
        verbose_name_plural = "整治状态变更"
        ordering = ["case", "occurred_at", "id"]
        # Serves "the status of these cases at the end of day D": the last row per case before a moment.
        # The second: "has anything changed since D" (reporting.figures.state_groups counts today's figures in the
        # database when nothing has).
        indexes = [models.Index(fields=["case", "occurred_at", "id"], name="status_change_case_idx"),
                   models.Index(fields=["occurred_at"], name="status_change_at_idx")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '—'} → {self.to_status}"


class CreditCodeClash(models.Model):
    """A credit code registered in a town while another town's enterprise holds it. The town is not told (that
    would tell it about another town's records: an existence oracle); the office sees the clash on its list and
    resolves it (corrects one of the two records, then marks the clash resolved with a note)."""

    credit_code = models.CharField("统一社会信用代码", max_length=18)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name="新登记企业")
    holder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name="已登记企业")
    raised_at = models.DateTimeField("发现时间")
    raised_by_name = models.CharField("登记人", max_length=150, blank=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by_name = models.CharField("处理人", max_length=150, blank=True)
    resolution = models.TextField("处理说明", blank=True)

    class Meta:
        verbose_name = "统一社会信用代码重复"
        verbose_name_plural = "统一社会信用代码重复"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "holder"], condition=Q(resolved_at__isnull=True),
                                    name="credit_code_clash_open_once",
                                    violation_error_message="该重复已在待处理清单中"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.credit_code}: {self.enterprise_id} / {self.holder_id}"
