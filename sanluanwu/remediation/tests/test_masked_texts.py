"""Reasons and decision texts of the remediation work are shown masked on every page and in the API: people type a
mobile or an ID number into a withdrawal reason or a 依据. The utility that owns a task sees no number at all, not
even masked (README: 水电单位的任务页面和接口不含任何电话)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from rest_framework.test import APIClient

from conftest import page_as
from sanluanwu.core import clock
from sanluanwu.demo.walk import walk
from sanluanwu.registry import services as registry
from sanluanwu.remediation import queries, services

MOBILE, ID_NUMBER = "13812349876", "320483199001011234"


def _api(user, url: str) -> str:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_withdrawn_tasks_reason_reaches_the_town_masked_and_the_utility_without_the_numbers(parties, case, alice,
                                                                                               office, uma, leo):  # fmt: skip
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    services.withdraw_task(actor=alice, task=power, reason=f"误派，联系人{MOBILE} 身份证{ID_NUMBER}")
    for user, url in ((leo, f"/cases/{case.pk}/"), (office, f"/cases/{case.pk}/"), (alice, f"/cases/{case.pk}/")):
        html = page_as(user, url)
        assert MOBILE not in html and ID_NUMBER not in html, (user.username, url)
        assert "误派，联系人138****9876" in html, (user.username, url)
    for html in (page_as(uma, f"/remediation/tasks/{power.pk}/"), _api(uma, f"/api/v1/remediation/tasks/{power.pk}/")):
        assert "误派，联系人（号码不予显示） 身份证（号码不予显示）" in html
        assert "9876" not in html and "1234" not in html and "****" not in html


def test_the_utility_sees_the_address_and_notes_of_its_task_with_no_number_in_them(parties, case, alice, uma):
    e = case.enterprise
    address = f"工业路8号（门卫{MOBILE}，房东 0519-86381906）"
    registry.update_enterprise(actor=alice, enterprise=e,
                               data=registry.enterprise_input_from({**registry.enterprise_values(e), "town": e.town,
                                                                         "address": address}))  # fmt: skip
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    pages = [page_as(uma, f"/remediation/tasks/{power.pk}/"), page_as(uma, "/remediation/tasks/"),
             _api(uma, f"/api/v1/remediation/tasks/{power.pk}/"), _api(uma, "/api/v1/remediation/tasks/")]  # fmt: skip
    for html in pages:
        assert "工业路8号（门卫（号码不予显示），房东 （号码不予显示））" in html
        assert "9876" not in html and "1906" not in html and "****" not in html
    # The town still sees the masked numbers (it recognises a number it knows).
    assert "门卫138****9876" in page_as(alice, f"/remediation/tasks/{power.pk}/")


def test_an_enforcement_decisions_basis_and_number_are_masked_on_the_case_page_and_in_the_api(parties, case, office,
                                                                                            district, leo):  # fmt: skip
    case = walk(case, "confirmed", parties)
    services.record_enforcement(actor=office, case=case, unit=district["sthjj"], kind="order_stop",
                                legal_basis=f"《大气污染防治法》，承办人{MOBILE}", document_no=f"武环责字{MOBILE}",
                                decided_on=clock.today())  # fmt: skip
    for user in (leo, office):
        assert MOBILE not in page_as(user, f"/cases/{case.pk}/")
        assert MOBILE not in _api(user, f"/api/v1/remediation/cases/{case.pk}/")


def _plan_with_numbers(case, parties, alice, dora):
    """A draft plan whose responsible, goal, measures and an item hold numbers (the case walked to a rectification)."""
    case = walk(case, "proposed", parties, rtype="rectification")
    services.decide_type(actor=dora, classification=queries.current_classification(case), confirm=True)
    deadline = clock.today() + dt.timedelta(days=30)
    return services.save_plan(
        actor=alice, case=case, responsible=f"李四 {MOBILE}", goal="达标排放（监测站 0519-86381906）",
        measures=f"加装废气处理，施工方身份证{ID_NUMBER}", deadline=deadline,
        items=[{"category": "pollution", "text": f"活性炭吸附，供货商{MOBILE}", "deadline": deadline},
               {"category": "equipment", "text": "更换密闭设备", "deadline": deadline}],
    )  # fmt: skip


def test_the_plan_form_shows_the_numbers_masked_and_saved_as_shown_keeps_them(parties, case, alice, dora):
    plan = _plan_with_numbers(case, parties, alice, dora)
    client = Client()
    client.force_login(alice)
    html = client.get(f"/remediation/cases/{plan.case_id}/plan/").content.decode()
    assert MOBILE not in html and ID_NUMBER not in html and "86381906" not in html
    assert "李四 138****9876" in html and "0519-****1906" in html and "活性炭吸附，供货商138****9876" in html
    # Saved back as shown, with one word changed and a new item: the stored numbers are kept, never asterisks.
    deadline = f"{plan.deadline:%Y-%m-%d}"
    response = client.post(f"/remediation/cases/{plan.case_id}/plan/", {
        "version": plan.version, "responsible": "李四 138****9876", "deadline": deadline,
        "goal": "达标排放（监测站 0519-****1906）", "measures": "加装废气处理（已订货），施工方身份证3204**********1234",
        "item_category": ["pollution", "equipment", "safety"], "item_deadline": [deadline] * 3,
        "item_text": ["活性炭吸附，供货商138****9876", "更换密闭设备", "消防通道，联系 13900001111"]})  # fmt: skip
    assert response.status_code == 302
    saved = queries.latest_plan(plan.case)
    assert saved.responsible == f"李四 {MOBILE}" and saved.goal == "达标排放（监测站 0519-86381906）"
    assert saved.measures == f"加装废气处理（已订货），施工方身份证{ID_NUMBER}"
    assert [i.text for i in saved.items.order_by("sort_order")] == [
        f"活性炭吸附，供货商{MOBILE}", "更换密闭设备", "消防通道，联系 13900001111"]  # fmt: skip


def test_a_plan_sent_back_masked_through_the_api_keeps_its_numbers(parties, case, alice, dora):
    plan = _plan_with_numbers(case, parties, alice, dora)
    api = APIClient()
    api.force_authenticate(alice)
    shown = next(p for p in api.get(f"/api/v1/remediation/cases/{plan.case_id}/").json()["plans"] if p["id"] == plan.pk)
    assert MOBILE not in str(shown) and "138****9876" in shown["responsible"]
    body = {"responsible": shown["responsible"], "goal": shown["goal"], "measures": shown["measures"],
            "deadline": shown["deadline"], "version": plan.version,
            "items": [{k: i[k] for k in ("category", "text", "deadline")} for i in shown["items"]]}  # fmt: skip
    response = api.post(f"/api/v1/remediation/cases/{plan.case_id}/plan/", body, format="json")
    assert response.status_code in (200, 201), response.content.decode()[:300]
    saved = queries.latest_plan(plan.case)
    assert saved.responsible == f"李四 {MOBILE}" and ID_NUMBER in saved.measures
    assert next(i.text for i in saved.items.order_by("sort_order")) == f"活性炭吸附，供货商{MOBILE}"


def test_a_masked_number_that_could_be_either_of_two_is_refused_naming_the_item_and_what_was_typed_stays(
    parties, case, alice, dora
):
    plan = _plan_with_numbers(case, parties, alice, dora)
    deadline = plan.deadline
    twin = "13812349876"[:3] + "0000" + "9876"  # masked as 138****9876 too
    plan = services.save_plan(actor=alice, case=plan.case, responsible="李四", goal="达标", measures="加装",
                              deadline=deadline, expected_version=plan.version,
                              items=[{"category": "pollution", "text": f"甲{MOBILE}", "deadline": deadline},
                                     {"category": "pollution", "text": f"乙{twin}", "deadline": deadline}])  # fmt: skip
    client = Client()
    client.force_login(alice)
    response = client.post(f"/remediation/cases/{plan.case_id}/plan/", {
        "version": plan.version, "responsible": "李四", "deadline": f"{deadline:%Y-%m-%d}", "goal": "达标",
        "measures": "加装", "item_category": ["pollution"], "item_deadline": [f"{deadline:%Y-%m-%d}"],
        "item_text": ["甲138****9876，新增 13900001111"]})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400 and "第 1 项" in html and "多个不同号码" in html
    assert "甲138****9876，新增 13900001111" in html  # as typed, not masked again
    assert [i.text for i in queries.latest_plan(plan.case).items.all()] == [f"甲{MOBILE}", f"乙{twin}"]
