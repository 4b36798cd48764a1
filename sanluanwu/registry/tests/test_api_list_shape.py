"""The API lists serialise rows by a compiled plan (core.fast_serializers): the answer is DRF's, key for key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory

from conftest import make_case, walk_case
from sanluanwu.core import clock
from sanluanwu.core.fast_serializers import represent_many
from sanluanwu.registry.api.serializers import CaseSerializer, EnterpriseSerializer
from sanluanwu.registry.models import Case, Enterprise


def _request(user: Any) -> Any:
    from rest_framework.request import Request

    request = Request(APIRequestFactory().get("/api/v1/cases/"))
    request.user = user
    return request


def _cases(alice, office, district):
    make_case(alice, district["hutang"], name="张三塑料造粒作坊", legal_person="张三",
              case={"planned_completion": clock.today() - dt.timedelta(days=2), "progress_note": "已约谈",
                    "listed_on": clock.today() - dt.timedelta(days=20)})  # fmt: skip
    make_case(alice, district["hutang"], name="李四木材加工作坊", legal_person="李四", coordinates="119.961, 31.721",
              case={"remediation_type": "", "planned_completion": None})  # fmt: skip
    walk_case(make_case(alice, district["hutang"], name="王五废品回收作坊", legal_person="王五",
                        coordinates="119.962, 31.722"), "stopped")  # fmt: skip
    return list(Case.objects.select_related("enterprise", "enterprise__town", "town", "campaign").order_by("-id"))


def test_the_compiled_rows_equal_drfs_for_cases_in_several_states(alice, office, campaign, district):
    cases = _cases(alice, office, district)
    for user in (alice, office):
        context = {"request": _request(user)}
        drf = CaseSerializer(cases, many=True, context=context).data
        ours = represent_many(CaseSerializer(cases, many=True, context=context), cases)
        assert ours == drf
        assert [list(row) for row in ours] == [list(row) for row in drf]  # the same keys in the same order
        assert [list(row["enterprise"]) for row in ours] == [list(row["enterprise"]) for row in drf]


def test_the_compiled_rows_equal_drfs_for_enterprises(alice, office, campaign, district):
    _cases(alice, office, district)
    enterprises = list(Enterprise.objects.select_related("town"))
    assert represent_many(EnterpriseSerializer(enterprises, many=True), enterprises) == (
        EnterpriseSerializer(enterprises, many=True).data
    )


class _Shouting(serializers.Serializer[Any]):
    name = serializers.CharField()
    missing = serializers.CharField(source="town.nothing_here", read_only=True)  # an AttributeError: left out

    def to_representation(self, instance: Any) -> Any:
        return {"NAME": instance.name.upper()}


class _Plain(serializers.Serializer[Any]):
    name = serializers.CharField()
    missing = serializers.CharField(source="town.nothing_here", read_only=True)
    licence = serializers.CharField(source="get_licence_status_display")
    count = serializers.SerializerMethodField()

    def get_count(self, enterprise: Any) -> int:
        return len(enterprise.name)


def test_a_field_that_cannot_be_read_is_left_out_and_an_own_representation_is_kept(alice, campaign, district):
    make_case(alice, district["hutang"], name="张三塑料造粒作坊", legal_person="张三")
    enterprises = list(Enterprise.objects.all())
    assert represent_many(_Plain(enterprises, many=True), enterprises) == _Plain(enterprises, many=True).data
    assert "missing" not in represent_many(_Plain(enterprises, many=True), enterprises)[0]
    assert represent_many(_Shouting(enterprises, many=True), enterprises) == [{"NAME": "张三塑料造粒作坊"}]


def test_the_case_list_answers_the_same_json_as_before(alice, office, campaign, district):
    _cases(alice, office, district)
    client = APIClient()
    client.force_authenticate(alice)
    answer = client.get("/api/v1/cases/").json()
    cases = list(Case.objects.select_related("enterprise", "enterprise__town", "town", "campaign").order_by("-id"))
    expected = CaseSerializer(cases, many=True, context={"request": _request(alice)}).data
    assert answer["results"] == [dict(row) for row in expected]


def test_masked_serializers_go_through_the_plan_and_still_mask_the_phone(
    alice, office, campaign, district, monkeypatch
):
    make_case(alice, district["hutang"], name="张三塑料造粒作坊", legal_person="张三",
              phone="13812345678")  # fmt: skip
    cases = list(Case.objects.select_related("enterprise", "enterprise__town", "town", "campaign"))
    context = {"request": _request(office)}
    drf = CaseSerializer(cases, many=True, context=context).data
    # The slow path is DRF's own Serializer.to_representation: the plan must not call it for a masked serializer.
    calls = []
    original = serializers.Serializer.to_representation
    monkeypatch.setattr(serializers.Serializer, "to_representation",
                        lambda self, instance: calls.append(type(self).__name__) or original(self, instance))  # fmt: skip
    ours = represent_many(CaseSerializer(cases, many=True, context=context), cases)
    assert calls == []
    assert ours == drf
    assert ours[0]["enterprise"]["phone"] == "138****5678"
