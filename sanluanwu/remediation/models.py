"""The remediation of a case (主要任务（二）（三）): the stop, the classification, the tasks of a shutdown (两断三清 and
the departments' duties of 附件1), the rectification plan, the on-site review and sign-off, enforcement, evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.withdrawal import Withdrawable
from sanluanwu.registry.choices import RemediationType
from sanluanwu.registry.models import Case
from sanluanwu.remediation.choices import (
    TWO_CUTS_THREE_CLEARS,
    ClassificationState,
    EnforcementKind,
    EvidencePhase,
    EvidenceStep,
    ItemState,
    OwnerKind,
    PlanItemCategory,
    PlanState,
    ReviewResult,
    SignoffState,
    TaskCondition,
    TaskState,
)

_USER = settings.AUTH_USER_MODEL


def _who(verbose: str) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=verbose)  # fmt: skip


class LeadUnit(models.Model):
    """Which department leads a remediation type (附件1): 关停取缔 → 工信局, 治理改造 → 武进生态环境局. Data, not code."""

    remediation_type = models.CharField("整治类型", max_length=20, choices=RemediationType.choices, unique=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="牵头部门")

    class Meta:
        verbose_name = "牵头部门"
        verbose_name_plural = "牵头部门"

    def __str__(self) -> str:
        return f"{self.get_remediation_type_display()} · {self.unit}"


class TaskKind(models.Model):
    """A task a confirmed shutdown creates: who owns it, when it is due, what evidence it needs. Edited by the admin."""

    code = models.SlugField("代码", max_length=40, unique=True)
    label = models.CharField("任务", max_length=40)
    item_code = models.CharField("两断三清项目", max_length=40, blank=True,
                                 choices=[("", "（不是两断三清任务）"), *TWO_CUTS_THREE_CLEARS],
                                 help_text="本任务办理的两断三清项目；其他任务选“不是两断三清任务”")  # fmt: skip
    condition = models.CharField("何时派发", max_length=20, choices=TaskCondition.choices, default=TaskCondition.ALWAYS)
    owner_kind = models.CharField("办理单位", max_length=10, choices=OwnerKind.choices, default=OwnerKind.UNIT)
    owner_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="指定办理单位")  # fmt: skip
    coordinator_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name="协调单位", help_text="如：发改局协调供电公司断电")  # fmt: skip
    due_days = models.PositiveSmallIntegerField("办理期限（天）", default=10)
    evidence_help = models.CharField("需要的证据", max_length=200, blank=True)
    needs_meter = models.BooleanField("需填户号或表号、止码和断开日期", default=False)
    needs_photo = models.BooleanField("需上传照片", default=True)
    needs_document = models.BooleanField("需填文书编号", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "关停取缔任务类型"
        verbose_name_plural = "关停取缔任务类型"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.label


class StopRecord(models.Model):
    """先停后治: production stopped, on a day, ordered by someone, with evidence (photos, a notice's number)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="stop_records", verbose_name="整治对象")
    stopped_on = models.DateField("停产日期")
    ordered_by = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="下令单位")  # fmt: skip
    document_no = models.CharField("文书编号", max_length=60, blank=True)
    note = models.TextField("情况说明", blank=True)
    recorded_by = _who("登记人")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "停产记录"
        verbose_name_plural = "停产记录"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} 停产 {self.stopped_on}"


class Classification(models.Model):
    """The town's proposal of a remediation type, and the lead department's decision on it (versions kept)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="classifications", verbose_name="整治对象")
    remediation_type = models.CharField("整治类型", max_length=20, choices=RemediationType.choices)
    reason = models.TextField("理由")
    planned_completion = models.DateField("计划完成时间")
    is_conversion = models.BooleanField("由治理改造转为关停取缔", default=False)
    holds_water_permit = models.BooleanField("持有取水许可证", default=False)
    illegal_land = models.BooleanField("存在违法用地", default=False)
    state = models.CharField("状态", max_length=20, choices=ClassificationState.choices,
                             default=ClassificationState.PROPOSED)  # fmt: skip
    lead_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="牵头部门")
    proposed_by = _who("提出人")
    proposed_at = models.DateTimeField("提出时间")
    decided_by = _who("决定人")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.TextField("决定意见", blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "整治类型认定"
        verbose_name_plural = "整治类型认定"
        ordering = ["proposed_at", "id"]
        indexes = [models.Index(fields=["lead_unit", "state"], name="classification_lead_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_remediation_type_display()}（{self.get_state_display()}）"


class BlanketJustification(models.Model):
    """一刀切 guard: a town that put all its classified cases (at least 5) into shutdown says why, on the record."""

    town = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="镇（街道）")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name="专项行动")
    text = models.TextField("理由")
    cases_at_time = models.PositiveIntegerField("当时已认定的对象数")
    recorded_by = _who("说明人")
    recorded_at = models.DateTimeField("说明时间")

    class Meta:
        verbose_name = "全部关停取缔的说明"
        verbose_name_plural = "全部关停取缔的说明"

    def __str__(self) -> str:
        return f"{self.town} {self.text[:20]}"


class Task(Withdrawable):
    """One duty of 附件1 on one shutdown case, owned by one org unit."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks", verbose_name="整治对象")
    kind = models.ForeignKey(TaskKind, on_delete=models.PROTECT, related_name="tasks", verbose_name="任务")
    owner_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="办理单位")
    coordinator_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name="协调单位")  # fmt: skip
    due_on = models.DateField("办理期限")
    state = models.CharField("状态", max_length=20, choices=TaskState.choices, default=TaskState.OPEN)
    acted_on = models.DateField("办理日期", null=True, blank=True)
    document_no = models.CharField("文书编号", max_length=60, blank=True)
    account_no = models.CharField("户号或表号", max_length=40, blank=True)
    final_reading = models.DecimalField("止码", max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField("办理情况", blank=True)
    blocked_reason = models.TextField("无法办理的原因", blank=True)
    done_by = _who("办理人")
    done_at = models.DateTimeField("办理时间", null=True, blank=True)
    created_at = models.DateTimeField("派发时间")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "整治任务"
        verbose_name_plural = "整治任务"
        ordering = ["kind__sort_order", "id"]
        indexes = [
            models.Index(fields=["owner_unit", "state", "due_on"], name="task_owner_idx"),
            models.Index(fields=["coordinator_unit", "state"], name="task_coordinator_idx"),
            models.Index(fields=["case", "state"], name="task_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind.label} · {self.owner_unit}"


class Plan(Withdrawable):
    """逐企制定整改方案: one version of a rectification plan; a returned plan is revised as a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans", verbose_name="整治对象")
    number = models.PositiveSmallIntegerField("版本号", default=1)
    state = models.CharField("状态", max_length=20, choices=PlanState.choices, default=PlanState.DRAFT)
    responsible = models.CharField("责任人", max_length=50)
    goal = models.TextField("治理目标")
    measures = models.TextField("治理措施")
    deadline = models.DateField("治理期限")
    created_by = _who("编制人")
    created_at = models.DateTimeField("编制时间")
    submitted_by = _who("提交人")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_by = _who("审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    version = models.PositiveIntegerField("修改次数", default=1)

    class Meta:
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="plan_unique_number")]

    def __str__(self) -> str:
        return f"{self.case_id} 整改方案第 {self.number} 版"


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items", verbose_name="整改方案")
    category = models.CharField("类别", max_length=20, choices=PlanItemCategory.choices)
    text = models.CharField("整改内容", max_length=300)
    deadline = models.DateField("期限")
    state = models.CharField("状态", max_length=10, choices=ItemState.choices, default=ItemState.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("完成情况", blank=True)
    done_by = _who("登记人")
    done_at = models.DateTimeField("登记时间", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["plan", "sort_order", "id"]

    def __str__(self) -> str:
        return self.text


class Review(models.Model):
    """现场审核: requested by the town when the work is done, recorded by someone else (four eyes), signed off by the
    lead department (销号) or refused."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews", verbose_name="整治对象")
    requested_by = _who("申请人")
    requested_at = models.DateTimeField("申请时间")
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    participants = models.TextField("参加人员及单位", blank=True)
    result = models.CharField("审核结果", max_length=10, choices=ReviewResult.choices, blank=True)
    reasons = models.TextField("结论和理由", blank=True)
    warnings_note = models.TextField("对证据提示的说明", blank=True)
    warnings = models.JSONField("证据提示", default=list, blank=True)
    reviewer = _who("审核人")
    reviewed_at = models.DateTimeField("审核记录时间", null=True, blank=True)
    signoff_state = models.CharField("签认", max_length=10, choices=SignoffState.choices, blank=True)
    signoff_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="签认单位")  # fmt: skip
    signoff_by = _who("签认人")
    signoff_at = models.DateTimeField("签认时间", null=True, blank=True)
    signoff_note = models.TextField("签认意见", blank=True)

    class Meta:
        verbose_name = "现场审核"
        verbose_name_plural = "现场审核"
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} 现场审核 {self.get_result_display() or '待审核'}"


class ReviewCheck(models.Model):
    """One item checked on site: a 两断三清 item, a task or a plan item, confirmed or not."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="checks", verbose_name="现场审核")
    item_code = models.CharField("项目代码", max_length=40)
    label = models.CharField("项目", max_length=300)
    confirmed = models.BooleanField("现场确认", default=False)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "审核项目"
        verbose_name_plural = "审核项目"
        ordering = ["review", "id"]

    def __str__(self) -> str:
        return self.label


class Enforcement(models.Model):
    """从严执法: a department's enforcement decision on a case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="enforcements", verbose_name="整治对象")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="执法单位")
    kind = models.CharField("执法类别", max_length=20, choices=EnforcementKind.choices)
    legal_basis = models.CharField("法律依据", max_length=300)
    document_no = models.CharField("决定书文号", max_length=60)
    decided_on = models.DateField("决定日期")
    amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField("说明", blank=True)
    recorded_by = _who("登记人")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "执法记录"
        verbose_name_plural = "执法记录"
        ordering = ["decided_on", "id"]
        # One decision is one record: the same document sent twice (two clicks, two clients) is refused.
        constraints = [models.UniqueConstraint(fields=["case", "unit", "document_no"], name="enforcement_unique_document",
                                               violation_error_message="该执法决定书文号已登记")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.document_no}"


class Evidence(models.Model):
    """A photo kept as taken (SHA-256, EXIF time and place, a perceptual hash), attached to one step of the work."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence", verbose_name="整治对象")
    step = models.CharField("环节", max_length=20, choices=EvidenceStep.choices)
    subject_id = models.PositiveIntegerField("记录编号", null=True, blank=True)
    item_code = models.CharField("两断三清项目", max_length=40, blank=True)
    phase = models.CharField("前后", max_length=10, choices=EvidencePhase.choices, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    stored_name = models.CharField("存储名", max_length=100, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    dhash = models.CharField("感知哈希", max_length=16, blank=True)
    # The perceptual hash in four 16-bit parts: two pictures within 3 bits of each other share at least one part.
    dhash_a = models.IntegerField(null=True, blank=True, db_index=True)
    dhash_b = models.IntegerField(null=True, blank=True, db_index=True)
    dhash_c = models.IntegerField(null=True, blank=True, db_index=True)
    dhash_d = models.IntegerField(null=True, blank=True, db_index=True)
    content_type = models.CharField("类型", max_length=30)
    size = models.PositiveIntegerField("大小")
    taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    longitude = models.DecimalField("拍摄位置经度（EXIF）", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("拍摄位置纬度（EXIF）", max_digits=9, decimal_places=6, null=True, blank=True)
    duplicates = models.JSONField("相同或近似照片", default=list, blank=True)
    uploaded_by = _who("上传人")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "整治证据"
        verbose_name_plural = "整治证据"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "step", "subject_id"], name="evidence_subject_idx")]

    def __str__(self) -> str:
        return self.original_name
