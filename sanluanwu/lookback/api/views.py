"""Look-back API for a future mobile app: the same services, rules and scoping as the pages."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sanluanwu.accounts.api import RevealSerializer, TableObjectMixin, api_permissions, reveal_response
from sanluanwu.accounts.queries import towns_allowing, towns_visible_to
from sanluanwu.accounts.scope import scope_for
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import geo, params, photos
from sanluanwu.core.api import (
    BoundedDateTimeField,
    JSONParser,
    KnownFields,
    KnownListParams,
    WithdrawalSerializer,
    refuse_body,
)
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.masking import MaskedSerializerMixin, mask_text
from sanluanwu.lookback import checklist, queries, services
from sanluanwu.lookback.choices import NEW_PLACE_KINDS, Answer
from sanluanwu.lookback.models import Inspection, Photo, Target
from sanluanwu.registry.queries import enterprises_visible_to
from sanluanwu.registry.similarity import Find


class TargetSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Target]):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    baseline_method = serializers.CharField(source="baseline_record.method", read_only=True, default=None)
    distance_m = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = ["id", "kind", "kind_display", "town", "town_name", "enterprise", "name", "address", "village",
                  "longitude", "latitude", "baseline_method", "assigned_to", "status", "distance_m", "checklist",
                  "withdrawn_at", "withdrawal_reason"]  # fmt: skip
        read_only_fields = fields

    def get_distance_m(self, target: Target) -> float | None:
        return self.context.get("distances", {}).get(target.pk)

    def get_checklist(self, target: Target) -> list[str]:
        return [i.code for i in services.applicable_items(target)]


class PlaceSerializer(KnownFields, serializers.Serializer[Any]):
    town = serializers.IntegerField(min_value=1, max_value=params.MAX_ID)
    kind = serializers.ChoiceField(choices=NEW_PLACE_KINDS)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    village = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    coordinates = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    coord_datum = serializers.ChoiceField(choices=geo.DATUM_CHOICES, default=geo.DATUM_WGS84)


class PhotoSerializer(KnownFields, serializers.ModelSerializer[Photo]):
    class Meta:
        model = Photo
        fields = ["id", "item", "original_name", "sha256", "content_type", "size", "width", "height", "taken_at",
                  "longitude", "latitude", "uploaded_at", "withdrawn_at", "withdrawal_reason"]  # fmt: skip
        read_only_fields = fields


class PhotoUploadSerializer(KnownFields, serializers.Serializer[Any]):
    """A photo's multipart body: the file (read by the view, checked by its size first) and the checklist item."""

    file_fields = ("photo",)
    item = serializers.CharField(allow_blank=True, default="")


class RevealedPhoneSerializer(KnownFields, serializers.Serializer[Any]):
    id = serializers.IntegerField()
    new_phone = serializers.CharField()


class InspectionSerializer(KnownFields, MaskedSerializerMixin, serializers.ModelSerializer[Inspection]):
    answers = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "target", "town", "status", "inspected_at", "inspectors", "longitude", "latitude", "accuracy_m",
                  "distance_m", "distance_reason", "result", "env_problems", "safety_problems", "other_problems",
                  "derived_category", "category", "category_reason", "new_name", "new_legal_person", "new_phone",
                  "new_industry", "new_credit_code", "case", "answers", "photos", "submitted_at", "version",
                  "withdrawn_at", "withdrawal_reason"]  # fmt: skip
        read_only_fields = fields

    def get_answers(self, inspection: Inspection) -> dict[str, dict[str, str]]:
        return {a.item: {"answer": a.answer, "note": mask_text(a.note)} for a in inspection.answers.all()}


def _number(name: str) -> serializers.FloatField:
    lo, hi, message = services.NUMBER_BOUNDS[name]
    return serializers.FloatField(required=False, allow_null=True, default=None, min_value=lo, max_value=hi,
                                  error_messages={"min_value": message, "max_value": message})  # fmt: skip


class InspectionWriteSerializer(KnownFields, serializers.Serializer[Any]):
    inspected_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    inspectors = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    longitude = _number("longitude")
    latitude = _number("latitude")
    accuracy_m = _number("accuracy_m")
    distance_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    answers = serializers.DictField(child=serializers.ChoiceField(choices=Answer.choices), required=False, default=dict)
    notes = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=500), required=False,
                                  default=dict)  # fmt: skip
    env_problems = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    safety_problems = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    other_problems = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    category = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=4)
    category_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    new_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    new_legal_person = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    new_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    new_industry = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    new_credit_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=18)
    link_enterprise = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                               max_value=params.MAX_ID)  # fmt: skip
    acknowledge_new = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=params.MAX_ID,
                                       help_text="读取到的版本号：保存草稿时必填，提交时可选；期间已被保存则返回 409")  # fmt: skip

    def to_input(self, inspection: Inspection) -> services.InspectionInput:
        """The draft as it is, with the fields sent changed: a field not sent keeps its value."""
        d = {k: v for k, v in self.validated_data.items() if k not in ("link_enterprise", "acknowledge_new", "version")}
        return dataclasses.replace(services.draft_input(inspection), **d)


def _write_data(request: Request, *, version_required: bool) -> InspectionWriteSerializer:
    if not hasattr(request.data, "items"):
        raise ValidationFailed('请求内容应为 JSON 对象，如 {"version": 3, "inspectors": "张三"}')
    data = InspectionWriteSerializer(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    if version_required and "version" not in data.validated_data:
        raise ValidationFailed({"version": ["保存草稿时必须提供读取到的版本号（version），以免覆盖另一台设备的保存"]})
    return data


class AssignSerializer(KnownFields, serializers.Serializer[Any]):
    inspector = serializers.IntegerField(help_text="本镇（街道）排查员的用户编号", min_value=1, max_value=params.MAX_ID)


class _Text(serializers.CharField):
    """Text only: a number or a list where words are expected is an error, not converted."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AmendSerializer(KnownFields, serializers.Serializer[Any]):
    reason = _Text(max_length=300)
    changes = serializers.DictField(child=_Text(allow_blank=True), allow_empty=False,
                                    help_text="字段名 → 新值（文字；inspected_at 为 ISO 日期时间）")  # fmt: skip


def _withdrawn_param(request: Request) -> bool:
    """`?withdrawn=1`: the withdrawn records instead (the office finds them there to restore one)."""
    return request.query_params.get("withdrawn") in ("1", "true")


def _town_param(request: Request) -> int | None:
    """`?town=`: one town of the user's scope; a town out of it answers 404, as everywhere else."""
    raw = request.query_params.get("town", "")
    if not raw.strip():
        return None
    town = params.pk(raw)
    if town is None:
        raise ValidationFailed({"town": [f"镇（街道）编号“{raw[:20]}”不正确，应为正整数"]})
    if not towns_visible_to(scope_for(request.user)).filter(pk=town).exists():
        raise NotFound("未找到该镇（街道）")
    return town


def _in_town(request: Request, records: Any) -> Any:
    """A list's records in the `?town=` asked for (all of them when none is)."""
    town = _town_param(request)
    return records if town is None else records.filter(town_id=town)


def _reason(request: Request) -> str:
    data = WithdrawalSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return str(data.validated_data["reason"])


class TargetViewSet(
    KnownListParams, TableObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Target]
):
    """回头看排查对象. `?worklist=1&lon=&lat=`: the caller's open places, nearest first."""

    serializer_class = TargetSerializer
    list_params = frozenset({"worklist", "lon", "lat", "withdrawn", "town"})
    table_permissions = {"list": "lookback.view", "retrieve": "lookback.view", "create": "lookback.add_place",
                         "assign": "lookback.assign", "start": "inspection.record", "withdraw": "target.withdraw",
                         "restore": "record.restore"}  # fmt: skip

    def get_queryset(self) -> QuerySet[Target]:
        targets = queries.targets_visible_to(self.request.user, withdrawn=_withdrawn_param(self.request))
        targets = _in_town(self.request, targets) if self.action == "list" else targets
        return targets.select_related("town", "baseline_record").order_by("-id")

    def fetch_object(self) -> Target:
        return queries.access_target(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[OpenApiParameter("worklist", bool), OpenApiParameter("lon", float),
                               OpenApiParameter("lat", float), OpenApiParameter("after", int),
                               OpenApiParameter("town", int, description="只列该镇（街道）的；不在您范围内的镇答 404"),
                               OpenApiParameter("withdrawn", bool, description="1：列出已撤回的")])  # fmt: skip
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.query_params.get("worklist") in ("1", "true"):
            lon, lat = _position(request.query_params)
            pairs = queries.worklist(request.user, lon=lon, lat=lat)
            town = _town_param(request)
            if town is not None:  # the caller's places in one of its towns
                pairs = [(t, d) for t, d in pairs if t.town_id == town]
            distances = {t.pk: round(d, 1) for t, d in pairs if d is not None}
            data = TargetSerializer([t for t, _d in pairs], many=True, context={"distances": distances}).data
            return Response({"count": len(pairs), "next": None, "previous": None, "results": data})
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PlaceSerializer, responses={201: TargetSerializer})
    def create(self, request: Request) -> Response:
        data = PlaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        town = towns_allowing(scope_for(request.user), "lookback.add_place").filter(pk=d.pop("town")).first()
        if town is None:
            raise ValidationFailed({"town": ["请选择您可以排查的镇（街道）"]})
        campaign = current_campaign()
        if campaign is None:
            raise ValidationFailed("系统中没有进行中的专项行动")
        target = services.add_place(actor=request.user, campaign=campaign, town=town, **d)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses={200: TargetSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inspector = queries.inspectors_of(target.town_id).filter(pk=data.validated_data["inspector"]).first()
        if inspector is None:
            raise ValidationFailed({"inspector": ["请选择本镇（街道）的排查员"]})
        services.assign_targets(actor=request.user, targets=[target], inspector=inspector)
        return Response(TargetSerializer(queries.access_target(request.user, target.pk)).data)

    @extend_schema(request=None, responses={201: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        refuse_body(request)
        inspection = services.start_inspection(actor=request.user, target=target)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawalSerializer, responses={200: TargetSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """A place added by mistake: withdrawn with a reason (never deleted); its inspections are withdrawn first."""
        target = services.withdraw_target(actor=request.user, target=self.get_object(), reason=_reason(request))
        return Response(TargetSerializer(queries.access_target(request.user, target.pk)).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: TargetSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        target = services.restore_target(actor=request.user, target=self.get_object(), reason=_reason(request))
        return Response(TargetSerializer(queries.access_target(request.user, target.pk)).data)


class InspectionViewSet(
    KnownListParams,
    TableObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Inspection],
):
    """回头看检查: PATCH saves the draft; submit puts problems on the dynamic list; amend corrects a submitted one."""

    serializer_class = InspectionSerializer
    list_params = frozenset({"withdrawn", "town"})
    table_permissions = {"list": "lookback.view", "retrieve": "lookback.view", "partial_update": "inspection.record",
                         "submit": "inspection.record", "photos": "inspection.record", "amend": "inspection.amend",
                         "reveal": "person.reveal", "withdraw": "inspection.withdraw", "restore": "record.restore"}  # fmt: skip
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Inspection]:
        inspections = queries.inspections_visible_to(self.request.user, withdrawn=_withdrawn_param(self.request))
        inspections = _in_town(self.request, inspections) if self.action == "list" else inspections
        return inspections.prefetch_related("answers", "photos").order_by("-id")

    def fetch_object(self) -> Inspection:
        return queries.access_inspection(self.request.user, self.kwargs["pk"])

    @extend_schema(request=InspectionWriteSerializer, responses={200: InspectionSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        inspection = self.get_object()  # scope first: an outsider gets 404 whatever the body holds
        data = _write_data(request, version_required=True)
        inspection = services.save_draft(actor=request.user, inspection=inspection, data=data.to_input(inspection),
                                         version=data.validated_data["version"])  # fmt: skip
        return Response(InspectionSerializer(inspection).data)

    @extend_schema(request=InspectionWriteSerializer, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        inspection = self.get_object()
        data = _write_data(request, version_required=False)
        link = None
        if link_id := data.validated_data.get("link_enterprise"):
            link = enterprises_visible_to(request.user).filter(pk=link_id).first()
            if link is None:
                raise ValidationFailed({"link_enterprise": ["未找到该企业"]})
        inspection = services.submit_inspection(actor=request.user, inspection=inspection,
                                                data=data.to_input(inspection), link_enterprise=link,
                                                acknowledge_new=data.validated_data.get("acknowledge_new", False),
                                                version=data.validated_data.get("version"))  # fmt: skip
        return Response(InspectionSerializer(inspection).data)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "photo": {"type": "string", "format": "binary"}, "item": {"type": "string"}}}},
        responses={201: PhotoSerializer})  # fmt: skip
    @action(detail=True, methods=["post"])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        inspection = self.get_object()
        body = PhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = request.FILES.get("photo")
        if upload is None:
            raise ValidationFailed({"photo": ["请选择照片"]})
        if refusal := photos.size_refusal(upload.size or 0):
            raise ValidationFailed({"photo": [refusal]})  # by its declared size, before it is read
        photo = services.add_photo(actor=request.user, inspection=inspection, data=upload.read(),
                                   filename=upload.name or "photo", item=body.validated_data["item"])  # fmt: skip
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AmendSerializer, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        inspection = self.get_object()
        data = AmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.amend_inspection(actor=request.user, inspection=inspection, reason=data.validated_data["reason"],
                                  changes=data.validated_data["changes"])  # fmt: skip
        return Response(InspectionSerializer(queries.access_inspection(request.user, inspection.pk)).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealedPhoneSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """显示完整号码 of the new find's phone, with the reason why (audited as a security event)."""
        return reveal_response(request, record=self.get_object(), field="new_phone")

    @extend_schema(request=WithdrawalSerializer, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """An inspection recorded by mistake: withdrawn with a reason; its place is to be visited again unless another
        submitted inspection remains; a case it listed stays (withdrawn on its own if it too was a mistake)."""
        inspection = services.withdraw_inspection(actor=request.user, inspection=self.get_object(),
                                                  reason=_reason(request))  # fmt: skip
        return Response(InspectionSerializer(queries.access_inspection(request.user, inspection.pk)).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        inspection = services.restore_inspection(actor=request.user, inspection=self.get_object(),
                                                 reason=_reason(request))  # fmt: skip
        return Response(InspectionSerializer(queries.access_inspection(request.user, inspection.pk)).data)


class PhotoViewSet(TableObjectMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Photo]):
    """Photo metadata; `image/` is the re-encoded copy, `original/` the file as taken."""

    serializer_class = PhotoSerializer
    table_permissions = {"retrieve": "lookback.view", "image": "lookback.view", "original": "lookback.view",
                         "withdraw": "photo.withdraw", "restore": "record.restore"}  # fmt: skip

    def get_queryset(self) -> QuerySet[Photo]:
        return queries.photos_visible_to(self.request.user, withdrawn=None)

    @extend_schema(request=WithdrawalSerializer, responses={200: PhotoSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """A photo attached by mistake: withdrawn with a reason, the file kept (from a submitted inspection only by
        those who amend it)."""
        photo = services.withdraw_photo(actor=request.user, photo=self.get_object(), reason=_reason(request))
        return Response(PhotoSerializer(photo).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: PhotoSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        photo = services.restore_photo(actor=request.user, photo=self.get_object(), reason=_reason(request))
        return Response(PhotoSerializer(photo).data)

    def fetch_object(self) -> Photo:
        return queries.access_photo(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def image(self, request: Request, pk: str | None = None) -> FileResponse:
        return FileResponse(photos.preview_path(self.get_object().stored_name).open("rb"), content_type="image/jpeg")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def original(self, request: Request, pk: str | None = None) -> FileResponse:
        p = self.get_object()
        path = photos.original_path(p.stored_name, photos.extension_for(p.content_type))
        return FileResponse(path.open("rb"), content_type=p.content_type, as_attachment=True, filename=p.original_name)


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_permissions(GET="lookback.view")
@api_view(["GET"])
def checklist_items(request: Request) -> Response:
    """Every checklist item: its group of places (checklist.groups_for), the problem answer and its category."""
    return Response([{"code": i.code, "group": i.group, "text": i.text, "problem_if": i.problem_if,
                      "category": int(i.category)} for i in checklist.ITEMS])  # fmt: skip


def _position(q: Any) -> tuple[float | None, float | None]:
    """`lon` and `lat` from a query: both or neither, each a number within range; anything else is told (400), not
    silently dropped (a list that is not sorted by distance, a verdict without the place)."""
    raw_lon, raw_lat = (q.get("lon") or "").strip(), (q.get("lat") or "").strip()
    if not raw_lon and not raw_lat:
        return None, None
    lon, lat = params.longitude(raw_lon), params.latitude(raw_lat)
    errors: dict[str, list[str]] = {}
    both = "请同时提供经度（lon）和纬度（lat）"
    if lon is None:
        errors["lon"] = [services.NUMBER_BOUNDS["longitude"][2] if raw_lon else both]  # the one wording of the range
    if lat is None:
        errors["lat"] = [services.NUMBER_BOUNDS["latitude"][2] if raw_lat else both]
    if errors:
        raise ValidationFailed(errors)
    return lon, lat


@extend_schema(parameters=[OpenApiParameter("name", str), OpenApiParameter("town", int), OpenApiParameter("person", str),
                           OpenApiParameter("phone", str), OpenApiParameter("credit_code", str),
                           OpenApiParameter("village", str), OpenApiParameter("lon", float),
                           OpenApiParameter("lat", float),
                           OpenApiParameter("datum", str, enum=[d for d, _ in geo.DATUM_CHOICES],
                                            description="lon/lat 的坐标系：wgs84（GPS、天地图，默认）或 gcj02（高德、腾讯地图）")],
               responses={200: OpenApiTypes.OBJECT, 429: None})  # fmt: skip
@api_permissions(GET="inspection.record")
@api_view(["GET"])
def candidates(request: Request) -> Response:
    """Is this new find already known? The verdict (probably_known / possibly_known / probably_new, with a Chinese
    label) and the candidates with the reasons for and against them, within the user's scope (registry.similarity)."""
    q = request.query_params
    town = params.pk(q.get("town"))
    if town is None:
        raise ValidationFailed({"town": ["请提供镇（街道）编号"]})
    if not towns_allowing(scope_for(request.user), "inspection.record").filter(pk=town).exists():
        raise NotFound("未找到该镇（街道）")  # another town is not there, as everywhere else
    datum = q.get("datum") or geo.DATUM_WGS84
    if datum not in dict(geo.DATUM_CHOICES):
        raise ValidationFailed({"datum": ["坐标系只能是 wgs84（GPS、天地图）或 gcj02（高德、腾讯地图）"]})
    lon, lat = _position(q)
    if lon is not None and lat is not None:
        point = geo.point_from(lon, lat, datum)
        lon, lat = float(point.lon), float(point.lat)
    else:
        lon = lat = None
    find = Find(name=q.get("name", "")[:200], town_id=town, legal_person=q.get("person", "")[:50],
                phone=q.get("phone", "")[:30], credit_code=q.get("credit_code", "")[:18], lon=lon, lat=lat,
                village=q.get("village", "")[:60])  # fmt: skip
    return Response(services.find_candidates(actor=request.user, find=find).as_dict())
