"""A request body's field the API does not take is refused (400 naming it and the fields taken), never ignored:
PATCH {"adress": …} (a typo) had answered 200 and changed nothing (core.api.KnownFields)."""

from __future__ import annotations

import importlib
import pkgutil

from rest_framework import serializers
from rest_framework.test import APIClient

import sanluanwu
from sanluanwu.core.api import KnownFields


def _serializers() -> list[type]:
    for info in pkgutil.walk_packages(sanluanwu.__path__, "sanluanwu."):
        if ".tests" not in info.name and ".migrations" not in info.name:
            importlib.import_module(info.name)
    found, todo = [], [serializers.BaseSerializer]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("sanluanwu.") and ".tests" not in cls.__module__:  # ours, not a test's probe
            found.append(cls)
    return found


def test_every_serializer_of_ours_refuses_a_field_it_does_not_take():
    found = _serializers()
    assert len(found) > 30
    lax = sorted(f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, KnownFields))
    assert not lax, f"serializers ignoring unknown fields (add core.api.KnownFields): {lax}"


def test_a_typo_in_a_patch_is_refused_naming_it_and_nothing_changes(alice, hutang_case):
    client = APIClient()
    client.force_authenticate(alice)
    url = f"/api/v1/cases/{hutang_case.pk}/"
    before = client.get(url).json()
    response = client.patch(url, {"adress": "湖塘镇新华村人民路2号", "version": before["version"]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "本接口不接受该字段" in body["adress"][0] and "address" in body["adress"][0]
    after = client.get(url).json()
    assert after["version"] == before["version"] and after["enterprise"]["address"] == before["enterprise"]["address"]
    # What only an answer carries, sent back as if it could be set, is named too.
    response = client.patch(url, {"status": "closed", "id": 1, "version": before["version"]}, format="json")
    assert response.status_code == 400 and set(response.json()) >= {"status", "id"}


def test_a_workflow_step_with_a_field_it_does_not_take_is_refused(alice, hutang_case):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post(f"/api/v1/cases/{hutang_case.pk}/transition/",
                           {"action": "withdraw", "note": "误列", "reason": "误列"}, format="json")  # fmt: skip
    assert response.status_code == 400 and "reason" in response.json()
    assert client.get(f"/api/v1/cases/{hutang_case.pk}/").json()["status"] == hutang_case.status


def test_a_very_long_or_odd_unknown_key_is_named_short():
    class Probe(KnownFields, serializers.Serializer):
        note = serializers.CharField()
        id = serializers.IntegerField(read_only=True)

    probe = Probe(data={"note": "x", "k" * 5000: 1, "id": 3})
    assert not probe.is_valid()
    assert set(probe.errors) == {"k" * 40, "id"}
    assert "可以填写的字段：note" in str(probe.errors["id"][0])
    assert Probe(data={"note": "x"}).is_valid()
