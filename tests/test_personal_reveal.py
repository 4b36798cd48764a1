"""显示完整号码 everywhere a person's phone is shown masked: the enterprise's, a look-back find's (新发现企业电话) and a
half-monthly report's 联系电话. One mechanism (accounts.services.reveal_personal_field, accounts.views.reveal_page,
accounts.api.reveal_response): person.reveal in the record's town, a reason, one audit event naming the record and
the field, never the number."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sanluanwu.accounts import services as accounts_services
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, ValidationFailed

PHONE, MASKED = "13912345678", "139****5678"


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def find(ada: Any, hutang_case: Any) -> Any:
    """A draft inspection in 湖塘镇 that found a new workshop, with its phone."""
    from sanluanwu.lookback import services

    target = services.add_place(actor=ada, campaign=hutang_case.campaign, town=hutang_case.town, kind="rental",
                                name="村东出租房", address="湖塘镇村东1号")  # fmt: skip
    inspection = services.start_inspection(actor=ada, target=target)
    return services.save_draft(actor=ada, inspection=inspection, data=services.InspectionInput(
        new_name="李四五金加工作坊", new_legal_person="李四", new_phone=PHONE))  # fmt: skip


@pytest.fixture
def report(alice: Any, hutang_case: Any) -> Any:
    """湖塘镇's half-monthly report of the current period, signed with the filler's phone."""
    from sanluanwu.core import clock
    from sanluanwu.reporting import services
    from sanluanwu.reporting.models import Period, Slot

    period = Period.objects.filter(campaign=hutang_case.campaign, starts_on__lte=clock.today()).order_by(
        "-starts_on").first()  # fmt: skip
    slot = Slot.objects.get(period=period, unit=hutang_case.town)
    return services.submit_report(actor=alice, slot=slot, filler="王填表", reviewer="赵审核", phone=PHONE)


def _reveal_events() -> list[AuditEvent]:
    """The numbers shown in clear (a refusal is recorded too, as a failure: accounts.refusals)."""
    return list(AuditEvent.objects.filter(action__endswith=".revealed", result="success").order_by("id"))


def _no_number_in(event: AuditEvent) -> None:
    kept = f"{event.changes} {event.note} {event.object_repr}"
    assert PHONE not in kept and "5678" not in kept


# A look-back find's phone.


def test_a_finds_phone_is_masked_on_the_inspection_page_and_in_the_api(ada, alice, find):
    page = _login(alice).get(f"/lookback/inspections/{find.pk}/").content.decode()
    assert PHONE not in page and MASKED in page and "显示完整号码" in page
    api = _api(ada).get(f"/api/v1/lookback/inspections/{find.pk}/").json()
    assert api["new_phone"] == MASKED


def test_the_town_manager_reveals_a_finds_phone_with_a_reason_and_the_event_names_record_and_field(alice, find):
    response = _login(alice).post(f"/lookback/inspections/{find.pk}/reveal/", {"reason": "电话通知负责人到场"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (event,) = _reveal_events()
    assert (event.action, event.object_type, event.object_id) == ("lookback.inspection.revealed",
                                                                  "lookback.inspection", str(find.pk))  # fmt: skip
    assert event.changes == {"fields": [None, ["new_phone"]]} and event.note == "电话通知负责人到场"
    assert event.actor_username == "alice"
    _no_number_in(event)


def test_the_office_reveals_a_finds_phone_through_the_api(office, find):
    response = _api(office).post(f"/api/v1/lookback/inspections/{find.pk}/reveal/", {"reason": "核实"}, format="json")
    assert response.status_code == 200 and response.json() == {"id": find.pk, "new_phone": PHONE}
    assert [e.action for e in _reveal_events()] == ["lookback.inspection.revealed"]


def test_a_finds_phone_is_not_revealed_without_a_reason(alice, find):
    response = _login(alice).post(f"/lookback/inspections/{find.pk}/reveal/", {"reason": "  "})
    assert response.status_code == 302 and response["Location"] == f"/lookback/inspections/{find.pk}/"
    api = _api(alice).post(f"/api/v1/lookback/inspections/{find.pk}/reveal/", {"reason": ""}, format="json")
    assert api.status_code == 400 and PHONE not in api.content.decode()
    assert _reveal_events() == []


@pytest.mark.parametrize("persona", ["ada", "leo", "bob", "dora", "uma", "sysadmin"])
def test_only_the_office_and_the_own_town_manager_reveal_a_finds_phone(request, persona, find):
    user = request.getfixturevalue(persona)
    page = _login(user).post(f"/lookback/inspections/{find.pk}/reveal/", {"reason": "看看"})
    api = _api(user).post(f"/api/v1/lookback/inspections/{find.pk}/reveal/", {"reason": "看看"}, format="json")
    for response in (page, api):
        assert response.status_code in (403, 404) and PHONE not in response.content.decode()
    assert _reveal_events() == []
    refused = AuditEvent.objects.filter(action="accounts.person.revealed", actor_username=user.username)
    assert refused.count() == [page.status_code, api.status_code].count(403)  # a 404 asked no permission
    for event in refused:
        assert event.result == "failure"
        _no_number_in(event)


def test_a_submitted_inspection_shows_the_find_masked_with_its_reveal(ada, alice, find):
    from sanluanwu.lookback import services

    answers = {item.code: "no" for item in services.applicable_items(find.target)} | {"never_listed": "yes"}
    submitted = services.submit_inspection(actor=ada, inspection=find, data=services.InspectionInput(
        answers=answers, inspectors="李排查员", longitude=119.965, latitude=31.725, new_name="李四五金加工作坊", new_legal_person="李四",
        new_industry="五金加工", new_phone=PHONE), acknowledge_new=True)  # fmt: skip
    page = _login(alice).get(f"/lookback/inspections/{submitted.pk}/").content.decode()
    assert "新发现的“散乱污”" in page and MASKED in page and PHONE not in page and "显示完整号码" in page
    assert "显示完整号码" not in _login(ada).get(f"/lookback/inspections/{submitted.pk}/").content.decode()


# A half-monthly report's 联系电话.


def test_a_reports_phone_is_masked_on_its_page_with_the_reveal_for_those_who_may(alice, leo, report):
    page = _login(alice).get(f"/reporting/slots/{report.slot_id}/").content.decode()
    assert MASKED in page and f"/reporting/reports/{report.pk}/reveal/" in page
    assert PHONE not in page.replace(f'value="{PHONE}"', "")  # the submit form is filled with the last signature
    leader = _login(leo).get(f"/reporting/slots/{report.slot_id}/").content.decode()
    assert MASKED in leader and PHONE not in leader and "显示完整号码" not in leader


def test_the_office_reveals_a_reports_phone_and_it_is_audited(office, report):
    response = _login(office).post(f"/reporting/reports/{report.pk}/reveal/", {"reason": "联系填表人核对数字"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    (event,) = _reveal_events()
    assert (event.action, event.object_id, event.changes) == ("reporting.report.revealed", str(report.pk),
                                                              {"fields": [None, ["phone"]]})  # fmt: skip
    _no_number_in(event)


@pytest.mark.parametrize("persona", ["leo", "bob", "dora", "sysadmin"])
def test_a_reports_phone_is_not_revealed_to_others(request, persona, report):
    response = _login(request.getfixturevalue(persona)).post(f"/reporting/reports/{report.pk}/reveal/",
                                                             {"reason": "看看"})  # fmt: skip
    assert response.status_code in (403, 404) and PHONE not in response.content.decode()
    assert _reveal_events() == []


# The one mechanism.


def test_the_enterprise_reveal_goes_through_the_same_mechanism_and_names_the_field(alice, hutang_case):
    response = _login(alice).post(f"/enterprises/{hutang_case.enterprise_id}/reveal/", {"reason": "通知停产"})
    assert response.status_code == 200
    (event,) = _reveal_events()
    assert (event.action, event.changes) == ("registry.enterprise.revealed", {"fields": [None, ["phone"]]})


def test_only_a_registered_personal_field_can_be_revealed(office, hutang_case):
    with pytest.raises(ValueError, match="not a personal field"):
        accounts_services.reveal_personal_field(actor=office, record=hutang_case.enterprise, field="name",
                                                town_id=hutang_case.town_id, reason="看看")  # fmt: skip


def test_the_service_checks_the_permission_in_the_records_town_before_the_reason(bob, find):
    with pytest.raises(PermissionDenied):
        accounts_services.reveal_personal_field(actor=bob, record=find, field="new_phone", town_id=find.town_id,
                                                reason="")  # fmt: skip
    with pytest.raises(ValidationFailed):
        accounts_services.reveal_personal_field(actor=bob, record=find, field="new_phone",
                                                town_id=bob.memberships.get().org_unit_id, reason="")  # fmt: skip
    assert _reveal_events() == []
