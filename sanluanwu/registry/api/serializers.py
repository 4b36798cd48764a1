"""API shapes. Writes are flat (one 附件2 row), validated for type here and for rules in the services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from sanluanwu.core import clock
from sanluanwu.core.api import KnownFields
from sanluanwu.core.masking import MaskedSerializerMixin
from sanluanwu.registry import columns
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.registry.services import CaseInput, EnterpriseInput, case_input_from, enterprise_input_from


class EnterpriseSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Enterprise]):
    """An enterprise as the API answers it: phone and ID numbers masked (core.masking; POST …/reveal/ for one)."""

    town_name = serializers.CharField(source="town.name", read_only=True)
    licence_status_display = serializers.CharField(source="get_licence_status_display", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "industry",
            "address",
            "town",
            "town_name",
            "village",
            "longitude",
            "latitude",
            "coord_datum",
            "coord_input",
            "legal_person",
            "phone",
            "credit_code",
            "licence_status",
            "licence_status_display",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnterpriseWriteSerializer(KnownFields, serializers.Serializer[Any]):
    """The enterprise's inputs, built from registry.columns (the same fields and limits as the form)."""

    acknowledge_warnings = serializers.BooleanField(default=False, help_text="已核实相近名称、50米内企业等提示")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="修改（PUT/PATCH）时必须带上读取到的版本号，防止覆盖他人修改"
    )
    INPUTS = columns.ENTERPRISE_INPUTS

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for key in self.INPUTS:
            fields[key] = columns.serializer_field(key)
        return fields

    def enterprise_input(self) -> EnterpriseInput:
        return enterprise_input_from(self.validated_data)


class CaseSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Case]):
    enterprise = EnterpriseSerializer(read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    lookback_category_display = serializers.CharField(source="get_lookback_category_display", read_only=True)
    remediation_type_display = serializers.CharField(source="get_remediation_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    progress_text = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "enterprise",
            "campaign",
            "campaign_name",
            "town",
            "town_name",
            "lookback_category",
            "lookback_category_display",
            "env_problems",
            "safety_problems",
            "other_problems",
            "remediation_type",
            "remediation_type_display",
            "planned_completion",
            "listed_on",
            "status",
            "status_display",
            "progress_note",
            "progress_text",
            "responsible_person",
            "closed_on",
            "overdue",
            "allowed_actions",
            "next_steps",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, case: Case) -> bool:
        return case.is_overdue(clock.today())

    def _steps(self, case: Case) -> list[dict[str, str]]:
        """The steps of the work other apps own, for one case (a detail answer; a list leaves them out: its rows
        would each cost their own queries)."""
        from sanluanwu.accounts.scope import scope_for
        from sanluanwu.registry.panels import case_steps

        if self.parent is not None:  # a row of a list
            return []
        cache = self.context.setdefault("_steps", {})
        if case.pk not in cache:
            cache[case.pk] = case_steps(scope_for(getattr(self.context.get("request"), "user", None)), case)
        return cache[case.pk]  # type: ignore[no-any-return]

    def get_allowed_actions(self, case: Case) -> list[str]:
        """The workflow steps the user may take now: the plain ones of the table, and (in a detail answer) the steps
        of the remediation work with their own endpoints under /api/v1/remediation/."""
        from sanluanwu.accounts.scope import scope_for
        from sanluanwu.registry.workflow import allowed_actions

        request = self.context.get("request")
        plain = [t.action for t in allowed_actions(scope_for(getattr(request, "user", None)), case)]
        return plain + [s["action"] for s in self._steps(case) if not s["reason"]]

    def get_next_steps(self, case: Case) -> list[dict[str, str]]:
        """Every step that applies now, with the reason it is not yours or not yet (e.g. 待供电公司断电（2026-12-10到期））."""
        return self._steps(case)


class CaseWriteSerializer(EnterpriseWriteSerializer):
    """A 附件2 row's inputs (enterprise and case), built from registry.columns."""

    INPUTS = [*columns.ENTERPRISE_INPUTS, *columns.CASE_INPUTS]

    def case_input(self) -> CaseInput:
        return case_input_from(self.validated_data)


class TransitionSerializer(KnownFields, serializers.Serializer[Any]):
    action = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
