"""API shapes. Writes are flat (one 附件2 row), validated for type here and for rules in the services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core import clock, geo
from sanluanwu.registry.choices import LicenceStatus, LookbackCategory, RemediationType
from sanluanwu.registry.models import Case, Enterprise
from sanluanwu.registry.services import CaseInput, EnterpriseInput, case_input_from, enterprise_input_from


class EnterpriseSerializer(serializers.ModelSerializer[Enterprise]):
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


class EnterpriseWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, label="企业名称")
    industry = serializers.CharField(max_length=100, label="行业类别")
    address = serializers.CharField(max_length=300, label="详细地址")
    town = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(kind=OrgUnitKind.TOWN), label="所属镇（街道）"
    )
    village = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    coordinates = serializers.CharField(
        max_length=100, label="经纬度", help_text="十进制度（顺序不限）或度分秒，如“119.9567, 31.7123”"
    )
    coord_datum = serializers.ChoiceField(choices=geo.DATUM_CHOICES, default=geo.DATUM_WGS84, label="坐标系")
    legal_person = serializers.CharField(max_length=50, label="企业法人或负责人")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    licence_status = serializers.ChoiceField(choices=LicenceStatus.choices, label="营业执照办理情况")
    acknowledge_warnings = serializers.BooleanField(default=False, help_text="已核实相近名称、50米内企业等提示")
    version = serializers.IntegerField(required=False, help_text="修改时带上读取到的版本号，防止覆盖他人修改")

    def enterprise_input(self) -> EnterpriseInput:
        return enterprise_input_from(self.validated_data)


class CaseSerializer(serializers.ModelSerializer[Case]):
    enterprise = EnterpriseSerializer(read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    lookback_category_display = serializers.CharField(source="get_lookback_category_display", read_only=True)
    remediation_type_display = serializers.CharField(source="get_remediation_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    progress_text = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

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
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, case: Case) -> bool:
        return case.is_overdue(clock.today())

    def get_allowed_actions(self, case: Case) -> list[str]:
        from sanluanwu.accounts.scope import scope_for
        from sanluanwu.registry.workflow import allowed_actions

        request = self.context.get("request")
        return [t.action for t in allowed_actions(scope_for(getattr(request, "user", None)), case)]


class CaseWriteSerializer(EnterpriseWriteSerializer):
    lookback_category = serializers.ChoiceField(choices=LookbackCategory.choices, label="回头看排查类型")
    env_problems = serializers.CharField(required=False, allow_blank=True, default="")
    safety_problems = serializers.CharField(required=False, allow_blank=True, default="")
    other_problems = serializers.CharField(required=False, allow_blank=True, default="")
    remediation_type = serializers.ChoiceField(
        choices=[("", "待确定"), *RemediationType.choices], required=False, allow_blank=True, default=""
    )
    planned_completion = serializers.DateField(required=False, allow_null=True, default=None)
    listed_on = serializers.DateField(required=False, allow_null=True, default=None)
    progress_note = serializers.CharField(required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(max_length=50, label="责任人")

    def case_input(self) -> CaseInput:
        return case_input_from(self.validated_data)


class TransitionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
