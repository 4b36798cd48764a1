"""Remediation API (/api/v1/remediation/…): the same services, scoping and permission table as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts import permissions
from sanluanwu.accounts.api import TableObjectMixin
from sanluanwu.accounts.scope import scope_for
from sanluanwu.core import clock, params
from sanluanwu.core.api import JSONParser, KnownFields, KnownListParams, WithdrawalSerializer, refuse_body
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.masking import MaskedSerializerMixin, mask_text
from sanluanwu.core.text import full_address
from sanluanwu.notices.models import Notice
from sanluanwu.notices.queries import notices_for
from sanluanwu.notices.services import mark_read
from sanluanwu.registry.choices import RemediationType
from sanluanwu.registry.models import Case
from sanluanwu.registry.queries import access_case, cases_visible_to
from sanluanwu.remediation import queries, services
from sanluanwu.remediation.choices import EnforcementKind, PlanItemCategory, ReviewResult, TaskState
from sanluanwu.remediation.evidence import uploads
from sanluanwu.remediation.models import Classification, Plan, PlanItem, Review, Task

_PARSERS = [JSONParser, MultiPartParser, FormParser]


class BoundedDateField(serializers.DateField):
    """A date within params.DATE_RANGE (year 1 or 9999 is refused with a message, never an overflow)."""

    def to_internal_value(self, value: Any) -> dt.date:
        result: dt.date = super().to_internal_value(value)
        if message := params.date_error(result, "日期"):
            raise serializers.ValidationError(message)
        return result


def _uploads(request: Request, name: str = "photos", item_code: str = "", phase: str = "") -> list[services.Upload]:
    files = request.FILES.getlist(name) if hasattr(request, "FILES") else []
    return uploads(files, item_code=item_code, phase=phase)


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# ---- tasks -----------------------------------------------------------------------------------------------------


class TaskSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Task]):
    """A task as its owner needs it: for a utility nothing of the case but the enterprise's name, address and place."""

    kind_code = serializers.CharField(source="kind.code", read_only=True)
    kind_label = serializers.CharField(source="kind.label", read_only=True)
    evidence_help = serializers.CharField(source="kind.evidence_help", read_only=True)
    needs_meter = serializers.BooleanField(source="kind.needs_meter", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    enterprise_name = serializers.CharField(source="case.enterprise.name", read_only=True)
    address = serializers.SerializerMethodField()
    longitude = serializers.DecimalField(source="case.enterprise.longitude", max_digits=9, decimal_places=6,
                                         read_only=True)  # fmt: skip
    latitude = serializers.DecimalField(source="case.enterprise.latitude", max_digits=9, decimal_places=6,
                                        read_only=True)  # fmt: skip
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "case", "kind_code", "kind_label", "evidence_help", "needs_meter", "owner_unit",
                  "owner_unit_name", "due_on", "overdue", "state", "state_display", "acted_on", "document_no",
                  "account_no", "final_reading", "note", "blocked_reason", "done_at", "version", "enterprise_name",
                  "address", "longitude", "latitude", "withdrawn_at", "withdrawal_reason"]  # fmt: skip
        read_only_fields = fields

    def get_address(self, task: Task) -> str:
        enterprise = task.case.enterprise
        return mask_text(full_address(task.case.town.name, enterprise.village, enterprise.address))

    def get_overdue(self, task: Task) -> bool:
        return task.state in (TaskState.OPEN, TaskState.BLOCKED) and task.due_on < clock.today()


class CompleteSerializer(KnownFields, serializers.Serializer[Any]):
    file_fields = ("photos",)  # read by the view (_uploads)
    acted_on = BoundedDateField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    document_no = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    account_no = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    final_reading = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                             default=None)  # fmt: skip
    version = serializers.IntegerField(min_value=1, max_value=params.MAX_ID)


class ReasonSerializer(KnownFields, serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class PlanWithdrawalSerializer(WithdrawalSerializer):
    id = serializers.IntegerField(min_value=1, max_value=params.MAX_ID, help_text="整改方案的 id")


class TaskViewSet(
    KnownListParams, TableObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Task]
):
    """The unit's work list (`?state=open|done|blocked`, `?overdue=1`, `?kind=water_cut`); complete or block a task."""

    serializer_class = TaskSerializer
    parser_classes = _PARSERS
    list_params = frozenset({"state", "overdue", "kind", "all", "withdrawn"})
    table_permissions = {"list": "task.view", "retrieve": "task.view", "complete": "task.complete",
                         "block": "task.complete", "waive": "case.start_remediation", "withdraw": "task.withdraw",
                         "restore": "record.restore"}  # fmt: skip

    def get_queryset(self) -> QuerySet[Task]:
        q = self.request.query_params
        return queries.work_list(self.request.user, state=q.get("state", "")[:20], overdue=q.get("overdue") == "1",
                                 kind=q.get("kind", "")[:40], mine=q.get("all") != "1",
                                 withdrawn=q.get("withdrawn") == "1")  # fmt: skip

    def fetch_object(self) -> Task:
        return queries.access_task(self.request.user, self.kwargs["pk"])

    @extend_schema(request=CompleteSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = _valid(CompleteSerializer, request)
        task = services.complete_task(actor=request.user, task=task, acted_on=data["acted_on"], note=data["note"],
                                      document_no=data["document_no"], account_no=data["account_no"],
                                      final_reading=data["final_reading"], photos=_uploads(request),
                                      expected_version=data["version"])  # fmt: skip
        return Response(TaskSerializer(queries.access_task(request.user, task.pk)).data)

    @extend_schema(request=ReasonSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        """The lead department settles a task that cannot be done (经核实无需办理)."""
        task = self.get_object()
        services.waive_task(actor=request.user, task=task, reason=_valid(ReasonSerializer, request)["reason"])
        return Response(TaskSerializer(queries.access_task(request.user, task.pk)).data)

    @extend_schema(request=ReasonSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def block(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        services.block_task(actor=request.user, task=task, reason=_valid(ReasonSerializer, request)["reason"])
        return Response(TaskSerializer(queries.access_task(request.user, task.pk)).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """A task dispatched by mistake: withdrawn with a reason by the town or the office (never deleted)."""
        task = self._task_in_town("task.withdraw")
        services.withdraw_task(actor=request.user, task=task, reason=_valid(WithdrawalSerializer, request)["reason"])
        return Response(TaskSerializer(queries.access_task(request.user, task.pk)).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        task = self._task_in_town("record.restore")
        services.restore_task(actor=request.user, task=task, reason=_valid(WithdrawalSerializer, request)["reason"])
        return Response(TaskSerializer(queries.access_task(request.user, task.pk)).data)

    def _task_in_town(self, code: str) -> Task:
        """The task, when the table allows `code` in its case's town (403 with the reason before the body is read)."""
        task = self.get_object()
        permissions.require(scope_for(self.request.user), code, town_id=task.case.town_id)
        return task


# ---- the work on one case ------------------------------------------------------------------------------------


class StopSerializer(KnownFields, serializers.Serializer[Any]):
    file_fields = ("photos",)  # read by the view (_uploads)
    stopped_on = BoundedDateField()
    ordered_by = serializers.IntegerField(min_value=1, max_value=params.MAX_ID, required=False, allow_null=True)
    document_no = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ProposeSerializer(KnownFields, serializers.Serializer[Any]):
    remediation_type = serializers.ChoiceField(choices=RemediationType.choices)
    reason = serializers.CharField(max_length=2000)
    planned_completion = BoundedDateField()
    holds_water_permit = serializers.BooleanField(default=False)
    illegal_land = serializers.BooleanField(default=False)
    justification = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionSerializer(KnownFields, serializers.Serializer[Any]):
    id = serializers.IntegerField(min_value=1, max_value=params.MAX_ID, help_text="整治类型认定或整改方案的编号")
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PlanItemSerializer(KnownFields, serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=PlanItemCategory.choices)
    text = serializers.CharField(max_length=300)
    deadline = BoundedDateField()


class PlanSerializer(KnownFields, serializers.Serializer[Any]):
    responsible = serializers.CharField(max_length=50)
    goal = serializers.CharField(max_length=2000)
    measures = serializers.CharField(max_length=2000)
    deadline = BoundedDateField()
    items = serializers.ListField(child=PlanItemSerializer(), max_length=50)
    submit = serializers.BooleanField(default=False)
    version = serializers.IntegerField(min_value=1, max_value=params.MAX_ID, required=False, allow_null=True)


class ItemDoneSerializer(KnownFields, serializers.Serializer[Any]):
    file_fields = ("photos",)  # read by the view (_uploads)
    item = serializers.IntegerField(min_value=1, max_value=params.MAX_ID)
    done_on = BoundedDateField()
    note = serializers.CharField(max_length=2000)


class CheckSerializer(KnownFields, serializers.Serializer[Any]):
    item_code = serializers.CharField(max_length=40)
    confirmed = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReviewSerializer(KnownFields, serializers.Serializer[Any]):
    file_fields = ("photos_*",)  # photos_<item code>, read by the view
    review = serializers.IntegerField(min_value=1, max_value=params.MAX_ID)
    reviewed_on = BoundedDateField()
    participants = serializers.CharField(max_length=2000)
    checks = serializers.ListField(child=CheckSerializer(), max_length=100)
    result = serializers.ChoiceField(choices=ReviewResult.choices)
    reasons = serializers.CharField(max_length=2000)
    warnings_note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SignoffSerializer(KnownFields, serializers.Serializer[Any]):
    review = serializers.IntegerField(min_value=1, max_value=params.MAX_ID)
    sign = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EnforcementSerializer(KnownFields, serializers.Serializer[Any]):
    file_fields = ("photos",)  # read by the view (_uploads)
    unit = serializers.IntegerField(min_value=1, max_value=params.MAX_ID, required=False, allow_null=True,
                                    help_text="执法单位（区级部门）；部门工作人员不填即为本单位")  # fmt: skip
    kind = serializers.ChoiceField(choices=EnforcementKind.choices)
    legal_basis = serializers.CharField(max_length=300)
    document_no = serializers.CharField(max_length=60)
    decided_on = BoundedDateField()
    # Read by the service as written (its message names the rule): a number or a text of digits, "20000.50".
    amount = serializers.CharField(max_length=30, required=False, allow_null=True, allow_blank=True, default=None,
                                   help_text="罚款金额（元），如 20000 或 20000.50；罚款以外不填")  # fmt: skip
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _text(value: Any) -> str | None:
    """A decimal as the rest of the API writes it (a string, never a float)."""
    return None if value is None else str(value)


def _stamp(value: Any) -> str | None:
    """A moment as every other field of the API gives it: in the district's time (+08:00), as DRF writes it."""
    return serializers.DateTimeField().to_representation(value) if value else None


def work_data(case: Case, user: Any) -> dict[str, Any]:
    """A case's whole remediation as the API answers it, with the next steps and why a step is not yours yet."""
    work = queries.case_work(case, scope_for(user))

    def who(u: Any) -> str:
        return getattr(u, "display_name", "") if u else ""

    def evidence(rows: list[Any]) -> list[dict[str, Any]]:
        return [{"id": e.pk, "original_name": e.original_name, "sha256": e.sha256, "taken_at": _stamp(e.taken_at),
                 "longitude": _text(e.longitude), "latitude": _text(e.latitude), "item_code": e.item_code, "phase": e.phase,
                 "duplicates": e.duplicates} for e in rows]  # fmt: skip

    return {
        "case": case.pk, "status": case.status, "progress_text": case.progress_text,
        "remediation_type": case.remediation_type, "overdue_rectification": work.overdue_rectification,
        "stops": [{"id": s.pk, "stopped_on": s.stopped_on, "ordered_by": s.ordered_by_id, "document_no": mask_text(s.document_no),
                   "note": mask_text(s.note), "recorded_by": who(s.recorded_by), "recorded_at": _stamp(s.recorded_at),
                   "evidence": evidence(work.photos("stop", s.pk))} for s in work.stops],
        "classifications": [{"id": c.pk, "remediation_type": c.remediation_type, "reason": mask_text(c.reason),
                             "planned_completion": c.planned_completion, "is_conversion": c.is_conversion,
                             "state": c.state, "lead_unit": c.lead_unit.name, "proposed_by": who(c.proposed_by),
                             "proposed_at": _stamp(c.proposed_at), "decided_by": who(c.decided_by),
                             "decided_at": _stamp(c.decided_at), "decision_note": mask_text(c.decision_note)}
                            for c in work.classifications],
        "two_cuts_three_clears": [{"code": i["code"], "label": i["label"], "task": i["task"].pk if i["task"] else None,
                                   "state": i["task"].state if i["task"] else ""} for i in work.items],
        "tasks": [{**TaskSerializer(t).data, "evidence": evidence(work.photos("task", t.pk))} for t in work.tasks],
        "plans": [{"id": p.pk, "number": p.number, "version": p.version, "state": p.state, "responsible": mask_text(p.responsible), "goal": mask_text(p.goal),
                   "measures": mask_text(p.measures), "deadline": p.deadline, "decision_note": mask_text(p.decision_note),
                   "withdrawn_at": _stamp(p.withdrawn_at), "withdrawal_reason": mask_text(p.withdrawal_reason),
                   "items": [{"id": i.pk, "category": i.category, "text": mask_text(i.text), "deadline": i.deadline,
                              "state": i.state, "done_on": i.done_on, "note": mask_text(i.note)} for i in p.items.all()]}
                  for p in work.plans],
        "reviews": [{"id": r.pk, "requested_by": who(r.requested_by), "requested_at": _stamp(r.requested_at),
                     "reviewed_on": r.reviewed_on, "participants": mask_text(r.participants), "result": r.result,
                     "reasons": mask_text(r.reasons), "warnings": r.warnings, "warnings_note": mask_text(r.warnings_note),
                     "reviewer": who(r.reviewer), "signoff_state": r.signoff_state,
                     "signoff_by": who(r.signoff_by), "signoff_note": mask_text(r.signoff_note),
                     "checks": [{"item_code": c.item_code, "label": c.label, "confirmed": c.confirmed, "note": mask_text(c.note)}
                                for c in r.checks.all()], "evidence": evidence(work.photos("review", r.pk))}
                    for r in work.reviews],
        "enforcements": [{"id": e.pk, "unit": e.unit.name, "kind": e.kind, "legal_basis": mask_text(e.legal_basis),
                          "document_no": mask_text(e.document_no), "note": mask_text(e.note), "decided_on": e.decided_on, "amount": _text(e.amount)}
                         for e in work.enforcements],
        "allowed_actions": [a.key for a in work.actions if a.allowed],
        "next_steps": [{"action": a.key, "label": a.label, "reason": mask_text(a.reason)} for a in work.actions],
    }  # fmt: skip


class CaseWorkViewSet(TableObjectMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Case]):
    """The remediation of one case: GET its whole record; POST a step (each names its permission in the table)."""

    parser_classes = _PARSERS
    serializer_class = StopSerializer  # the schema of each action is declared on it
    table_permissions = {
        "retrieve": "remediation.view", "stop": "case.stop_production", "propose_type": "remediation.propose_type",
        "decide_type": "case.start_remediation", "plan": "plan.edit", "decide_plan": "plan.decide",
        "item_done": "plan.progress", "request_review": "case.submit_for_review", "review": "case.pass_review",
        "signoff": "case.approve_closure", "enforcement": "enforcement.record", "withdraw_plan": "plan.withdraw",
        "restore_plan": "record.restore",
    }  # fmt: skip

    def get_queryset(self) -> QuerySet[Case]:
        return cases_visible_to(self.request.user)

    def fetch_object(self) -> Case:
        return access_case(self.request.user, self.kwargs["pk"])

    def _answer(self, case: Case) -> Response:
        return Response(work_data(access_case(self.request.user, case.pk), self.request.user))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=StopSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str | None = None) -> Response:
        from sanluanwu.accounts.models import OrgUnit

        case = self.get_object()
        data = _valid(StopSerializer, request)
        ordered = None
        if data.get("ordered_by"):
            ordered = OrgUnit.objects.filter(pk=data["ordered_by"], kind__in=["town", "department", "office"]).first()
            if ordered is None:
                raise ValidationFailed({"ordered_by": ["下令单位应为镇（街道）、区级部门或区办公室"]})
        services.record_stop(actor=request.user, case=case, stopped_on=data["stopped_on"], ordered_by=ordered,
                             document_no=data["document_no"], note=data["note"], photos=_uploads(request))  # fmt: skip
        return self._answer(case)

    @extend_schema(request=ProposeSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="type")
    def propose_type(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        services.propose_type(actor=request.user, case=case, **_valid(ProposeSerializer, request))
        return self._answer(case)

    @extend_schema(request=DecisionSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="type-decision")
    def decide_type(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(DecisionSerializer, request)
        c = Classification.objects.filter(case=case, pk=data["id"]).first()
        if c is None:
            raise ValidationFailed({"id": ["该整治对象没有这一整治类型认定"]})
        services.decide_type(actor=request.user, classification=c, confirm=data["approve"], note=data["note"])
        return self._answer(case)

    @extend_schema(request=PlanSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(PlanSerializer, request)
        with transaction.atomic():  # saved and submitted together, or neither
            plan = services.save_plan(actor=request.user, case=case, responsible=data["responsible"],
                                      goal=data["goal"], measures=data["measures"], deadline=data["deadline"],
                                      items=data["items"], expected_version=data.get("version"))  # fmt: skip
            if data["submit"]:
                services.submit_plan(actor=request.user, plan=plan)
        return self._answer(case)

    @extend_schema(request=DecisionSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="plan-decision")
    def decide_plan(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(DecisionSerializer, request)
        plan = Plan.objects.filter(case=case, pk=data["id"]).first()
        if plan is None:
            raise ValidationFailed({"id": ["该整治对象没有这一整改方案"]})
        services.decide_plan(actor=request.user, plan=plan, approve=data["approve"], note=data["note"])
        return self._answer(case)

    @extend_schema(request=PlanWithdrawalSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="plan-withdrawal")
    def withdraw_plan(self, request: Request, pk: str | None = None) -> Response:
        """A plan version entered by mistake: withdrawn with a reason (never deleted)."""
        case = self.get_object()
        data = _valid(PlanWithdrawalSerializer, request)
        plan = Plan.objects.filter(case=case, pk=data["id"]).first()
        if plan is None:
            raise ValidationFailed({"id": ["该整治对象没有这一整改方案"]})
        services.withdraw_plan(actor=request.user, plan=plan, reason=data["reason"])
        return self._answer(case)

    @extend_schema(request=PlanWithdrawalSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="plan-restoration")
    def restore_plan(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(PlanWithdrawalSerializer, request)
        plan = Plan.objects.filter(case=case, pk=data["id"]).first()
        if plan is None:
            raise ValidationFailed({"id": ["该整治对象没有这一整改方案"]})
        services.restore_plan(actor=request.user, plan=plan, reason=data["reason"])
        return self._answer(case)

    @extend_schema(request=ItemDoneSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="item-done")
    def item_done(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(ItemDoneSerializer, request)
        item = PlanItem.objects.filter(plan__case=case, pk=data["item"]).first()
        if item is None:
            raise ValidationFailed({"item": ["该整治对象没有这一整改事项"]})
        services.complete_plan_item(actor=request.user, item=item, done_on=data["done_on"], note=data["note"],
                                    photos=_uploads(request))  # fmt: skip
        return self._answer(case)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="review-request")
    def request_review(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        refuse_body(request)
        services.request_review(actor=request.user, case=case)
        return self._answer(case)

    @extend_schema(request=ReviewSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Multipart: photos of an item are sent as `photos_<item_code>`; checks as JSON in the `checks` field."""
        case = self.get_object()
        body = request.data
        if isinstance(body.get("checks"), str):  # multipart (photos need it): the checks come as one JSON field
            try:
                body = {**{k: body.get(k) for k in body}, "checks": json.loads(body["checks"])}
            except ValueError:
                raise ValidationFailed(
                    {"checks": ['checks 应为 JSON 数组，如 [{"item_code": "water_cut", "confirmed": true}]']}
                ) from None
        checked = ReviewSerializer(data=body)
        checked.is_valid(raise_exception=True)
        data = dict(checked.validated_data)
        review = Review.objects.filter(case=case, pk=data["review"]).first()
        if review is None:
            raise ValidationFailed({"review": ["该整治对象没有这一现场审核申请"]})
        taken = [u for code, _label in queries.review_items(case) for u in _uploads(request, f"photos_{code}", code,
                                                                                       "after")]  # fmt: skip
        services.record_review(actor=request.user, review=review, reviewed_on=data["reviewed_on"],
                               participants=data["participants"], result=data["result"], reasons=data["reasons"],
                               checks={c["item_code"]: (c["confirmed"], c["note"]) for c in data["checks"]},
                               photos=taken, warnings_note=data["warnings_note"])  # fmt: skip
        return self._answer(case)

    @extend_schema(request=SignoffSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def signoff(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(SignoffSerializer, request)
        review = Review.objects.filter(case=case, pk=data["review"]).first()
        if review is None:
            raise ValidationFailed({"review": ["该整治对象没有这一现场审核"]})
        services.sign_off(actor=request.user, review=review, sign=data["sign"], note=data["note"])
        return self._answer(case)

    @extend_schema(request=EnforcementSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def enforcement(self, request: Request, pk: str | None = None) -> Response:
        from sanluanwu.accounts.models import OrgUnit

        case = self.get_object()
        data = _valid(EnforcementSerializer, request)
        unit_id = data.pop("unit", None)
        unit = OrgUnit.objects.filter(pk=unit_id, kind="department").first() if unit_id else None
        if unit_id and unit is None:
            raise ValidationFailed({"unit": ["执法单位应为区级部门"]})
        services.record_enforcement(actor=request.user, case=case, unit=unit, photos=_uploads(request), **data)
        return self._answer(case)


# ---- notices -----------------------------------------------------------------------------------------------


class NoticeSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Notice]):
    class Meta:
        model = Notice
        fields = ["id", "kind", "text", "url", "created_at", "read_at"]
        read_only_fields = fields


class ReadSerializer(KnownFields, serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=params.MAX_ID), max_length=500,
                                required=False, help_text="不填则全部标为已读")  # fmt: skip


class NoticeViewSet(KnownListParams, mixins.ListModelMixin, viewsets.GenericViewSet[Notice]):
    """The user's own notices, newest first (`?unread=1`); `read/` marks some or all read."""

    serializer_class = NoticeSerializer
    list_params = frozenset({"unread"})
    table_permissions = {"list": "notice.view", "read": "notice.view"}

    def get_queryset(self) -> QuerySet[Notice]:
        qs = notices_for(self.request.user)
        return qs.filter(read_at__isnull=True) if self.request.query_params.get("unread") == "1" else qs

    @extend_schema(request=ReadSerializer, responses={200: None})
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = _valid(ReadSerializer, request)
        return Response({"marked": mark_read(actor=request.user, notice_ids=data.get("ids"))})
