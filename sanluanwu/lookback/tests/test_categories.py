"""The category derivation for every baseline type and key place × checklist answer, and what submitting does."""

from __future__ import annotations

import pytest

from sanluanwu.lookback import checklist, services
from sanluanwu.lookback.choices import NEW_PLACE_KINDS, PlaceKind
from sanluanwu.lookback.tests.conftest import baseline_target
from sanluanwu.registry.choices import BaselineMethod
from sanluanwu.registry.models import Case, Enterprise


def _all_clear(items):
    return {i.code: ("yes" if i.problem_if == "no" else "no") for i in items}


KEY_PLACES = [kind for kind, _label in NEW_PLACE_KINDS]
PLACES = [(PlaceKind.BASELINE, m) for m in [*BaselineMethod.values, None]] + [(kind, None) for kind in KEY_PLACES]
CASES = []
for kind, method in PLACES:
    for item in checklist.items_for(kind, method):
        CASES.append((kind, method, item.code, item.category))

# 填写说明 3: a 散乱污 found in a vacant factory moved into empty premises (第三类); anywhere else it was never listed.
FIND_AT_KEY_PLACE = {
    PlaceKind.ABANDONED_FACTORY: 3,
    PlaceKind.FARM: 4,
    PlaceKind.IDLE_HOUSE: 4,
    PlaceKind.RENTAL: 4,
    PlaceKind.OTHER: 4,
}


@pytest.mark.parametrize(("kind", "method", "code", "expected"), CASES)
def test_each_problem_answer_derives_its_category(kind, method, code, expected):
    items = checklist.items_for(kind, method)
    answers = _all_clear(items)
    item = checklist.ITEMS_BY_CODE[code]
    answers[code] = item.problem_if
    assert checklist.derive_category(answers, items) == expected


@pytest.mark.parametrize(("kind", "method"), PLACES)
def test_all_clear_means_no_category(kind, method):
    items = checklist.items_for(kind, method)
    assert checklist.derive_category(_all_clear(items), items) is None


def test_the_checklist_depends_on_how_the_enterprise_was_remediated():
    shut = {i.code for i in checklist.items_for(PlaceKind.BASELINE, "shutdown")}
    rect = {i.code for i in checklist.items_for(PlaceKind.BASELINE, "rectification")}
    assert {"water_cut", "power_cut", "materials_cleared", "equipment_cleared", "products_cleared", "producing"} <= shut
    assert {"facilities_running", "permits_valid", "requirements_met"} <= rect and not rect & {"water_cut"}
    assert {"new_operator", "never_listed"} <= shut & rect
    assert {i.code for i in checklist.items_for(PlaceKind.FARM, None)} == {"never_listed"}
    assert {i.code for i in checklist.items_for(PlaceKind.ABANDONED_FACTORY, None)} == {"vacant_occupied"}


def test_every_kind_of_key_place_has_its_category_decided():
    assert set(FIND_AT_KEY_PLACE) == set(KEY_PLACES) == set(checklist.PLACE_GROUPS)


@pytest.mark.parametrize(("kind", "expected"), FIND_AT_KEY_PLACE.items())
def test_a_find_at_a_key_place_derives_the_documents_category(kind, expected):
    items = checklist.items_for(kind, None)
    assert items, kind
    for item in items:
        answers = _all_clear(items) | {item.code: item.problem_if}
        assert checklist.derive_category(answers, items) == expected


def test_a_new_operator_outranks_resumed_production():
    items = checklist.items_for(PlaceKind.BASELINE, "shutdown")
    answers = _all_clear(items) | {"producing": "yes", "new_operator": "yes"}
    assert checklist.derive_category(answers, items) == 3


def test_findings_are_written_in_the_words_of_attachment_2():
    items = checklist.items_for(PlaceKind.BASELINE, "shutdown")
    answers = _all_clear(items) | {"power_cut": "no", "producing": "yes"}
    found = checklist.findings(answers, {"power_cut": "私拉电线接入"}, items)
    assert found == {"env": "关停取缔后违法复产经营", "safety": "关停取缔后私自恢复供电（私拉电线接入）", "other": ""}


def _submit(actor, target, answers, **kw):
    inspection = services.start_inspection(actor=actor, target=target)
    data = services.InspectionInput(answers=answers, inspectors="李排查员、王", **kw.pop("data", {}))
    return services.submit_inspection(actor=actor, inspection=inspection, data=data, **kw)


def test_a_shut_down_workshop_producing_again_goes_on_the_list_as_category_1(ada, shut_target):
    items = services.applicable_items(shut_target)
    inspection = _submit(ada, shut_target, _all_clear(items) | {"producing": "yes", "power_cut": "no"})
    case = inspection.case
    assert case.lookback_category == 1 and case.enterprise_id == shut_target.enterprise_id
    assert "违法复产" in case.env_problems and "恢复供电" in case.safety_problems
    shut_target.refresh_from_db()
    assert shut_target.status == "done"


def test_a_relapse_reopens_the_same_enterprise_with_a_new_case(ada, alice, rectified_target):
    items = services.applicable_items(rectified_target)
    before = Enterprise.objects.count()
    inspection = _submit(ada, rectified_target, _all_clear(items) | {"facilities_running": "no"})
    assert inspection.case.lookback_category == 2
    assert Enterprise.objects.count() == before
    assert inspection.case.enterprise.baseline_records.exists()


def test_a_new_operator_in_emptied_premises_is_a_new_enterprise_linked_to_the_old_place(ada, shut_target):
    items = services.applicable_items(shut_target)
    inspection = _submit(ada, shut_target, _all_clear(items) | {"new_operator": "yes"},
                         data={"new_name": "赵六家具喷漆作坊", "new_legal_person": "赵六", "new_industry": "家具喷漆"},
                         acknowledge_new=True)  # fmt: skip
    case = inspection.case
    assert case.lookback_category == 3 and case.enterprise.name == "赵六家具喷漆作坊"
    assert case.enterprise_id != shut_target.enterprise_id
    assert shut_target.name in case.progress_note and case.enterprise.address == shut_target.address


def test_a_never_listed_find_at_a_key_place_is_category_4(ada, campaign, district):
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="rental",
                               name="新华村出租房", address="湖塘镇新华村9号", coordinates="119.9800, 31.7100")  # fmt: skip
    inspection = _submit(ada, place, {"never_listed": "yes"},
                         data={"new_name": "钱七塑料造粒作坊", "new_legal_person": "钱七", "new_industry": "塑料造粒"})  # fmt: skip
    assert inspection.case.lookback_category == 4


def test_a_new_operator_in_a_vacant_factory_is_category_3_and_a_new_enterprise(ada, campaign, district):
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="abandoned_factory",
                               name="新华村原纺织厂", address="湖塘镇新华村12号", coordinates="119.9800, 31.7100")  # fmt: skip
    assert [i.code for i in services.applicable_items(place)] == ["vacant_occupied"]
    before = Enterprise.objects.count()
    inspection = _submit(ada, place, {"vacant_occupied": "yes"},
                         data={"new_name": "孙八塑料造粒作坊", "new_legal_person": "孙八", "new_industry": "塑料造粒"},
                         acknowledge_new=True)  # fmt: skip
    case = inspection.case
    assert (inspection.derived_category, case.lookback_category) == (3, 3)
    assert Enterprise.objects.count() == before + 1 and case.enterprise.name == "孙八塑料造粒作坊"
    assert case.enterprise.address == "湖塘镇新华村12号" and "空置厂房新进驻" in case.env_problems
    assert "进驻废弃（空置）厂房“新华村原纺织厂”" in case.progress_note


@pytest.mark.parametrize("kind", ["farm", "idle_house", "rental", "other"])
def test_a_find_at_another_key_place_stays_category_4_unless_corrected_with_a_reason(ada, campaign, district, kind):
    from sanluanwu.core.errors import ValidationFailed

    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind=kind, name="新华村某场所",
                               address="湖塘镇新华村20号", coordinates="119.9800, 31.7100")  # fmt: skip
    new = {"new_name": "周九家具喷漆作坊", "new_legal_person": "周九", "new_industry": "家具喷漆"}
    with pytest.raises(ValidationFailed) as exc:
        _submit(ada, place, {"never_listed": "yes"}, data=new | {"category": 3}, acknowledge_new=True)
    assert "category_reason" in exc.value.errors
    inspection = _submit(ada, place, {"never_listed": "yes"}, acknowledge_new=True,
                         data=new | {"category": 3, "category_reason": "该民房原为厂房，关停后空置"})  # fmt: skip
    assert (inspection.derived_category, inspection.case.lookback_category) == (4, 3)
    assert inspection.case.enterprise.name == "周九家具喷漆作坊"


def test_no_problem_puts_nothing_on_the_list(ada, shut_target):
    inspection = _submit(ada, shut_target, _all_clear(services.applicable_items(shut_target)))
    assert inspection.result == "no_problem" and inspection.case is None and not Case.objects.exists()


def test_every_item_must_be_answered(ada, shut_target):
    from sanluanwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        _submit(ada, shut_target, {"producing": "yes"})
    assert "answer_water_cut" in exc.value.errors


def test_the_inspector_can_correct_the_category_with_a_reason(ada, shut_target):
    from sanluanwu.core.errors import ValidationFailed

    items = services.applicable_items(shut_target)
    answers = _all_clear(items) | {"producing": "yes"}
    with pytest.raises(ValidationFailed) as exc:
        _submit(ada, shut_target, answers, data={"category": 2})
    assert "category_reason" in exc.value.errors
    inspection = _submit(ada, shut_target, answers, data={"category": 2, "category_reason": "系治理改造后复产"})
    assert (inspection.derived_category, inspection.category, inspection.case.lookback_category) == (1, 2, 2)


def test_a_far_position_needs_a_reason_and_is_kept(ada, shut_target):
    from sanluanwu.core.errors import ValidationFailed

    items = services.applicable_items(shut_target)
    far = {"longitude": 119.9700, "latitude": 31.7250, "accuracy_m": 15}  # about 470 m from the recorded place
    with pytest.raises(ValidationFailed) as exc:
        _submit(ada, shut_target, _all_clear(items), data=far)
    assert "超过 200 米" in exc.value.errors["distance_reason"][0]
    inspection = _submit(ada, shut_target, _all_clear(items), data=far | {"distance_reason": "登记坐标有误，现场核实"})
    assert 400 < inspection.distance_m < 550 and inspection.distance_reason


def test_a_submitted_inspection_changes_only_through_a_recorded_amendment(ada, alice, shut_target):
    from sanluanwu.audit.models import AuditEvent
    from sanluanwu.core.errors import TransitionNotAllowed

    inspection = _submit(ada, shut_target, _all_clear(services.applicable_items(shut_target)))
    with pytest.raises(TransitionNotAllowed):
        services.save_draft(actor=ada, inspection=inspection, data=services.InspectionInput(inspectors="别人"))
    services.amend_inspection(actor=alice, inspection=inspection, reason="漏记一名检查人员",
                              changes={"inspectors": "李排查员、王、张"})  # fmt: skip
    inspection.refresh_from_db()
    assert inspection.inspectors == "李排查员、王、张" and inspection.amendments.count() == 1
    event = AuditEvent.objects.get(action="lookback.inspection.amended")
    assert event.changes["inspectors"] == ["李排查员、王", "李排查员、王、张"] and event.note == "漏记一名检查人员"


def test_targets_are_generated_once_per_baseline_enterprise(alice, campaign, district):
    from sanluanwu.lookback.models import Target

    baseline_target(alice, campaign, district["hutang"], "shutdown")
    baseline_target(alice, campaign, district["hutang"], "relocation", name="李四铸造作坊", legal_person="李四",
                    industry="铸造", coordinates="119.9900, 31.7000")  # fmt: skip
    assert services.generate_targets(actor=alice, campaign=campaign, town=district["hutang"]) == 0
    assert Target.objects.count() == 2


def test_the_inspector_cannot_amend_a_submitted_inspection_the_town_manager_can(ada, alice, shut_target):
    from sanluanwu.core.errors import PermissionDenied

    inspection = _submit(ada, shut_target, _all_clear(services.applicable_items(shut_target)))
    with pytest.raises(PermissionDenied, match="不能更正已提交的检查"):
        services.amend_inspection(actor=ada, inspection=inspection, reason="改一下", changes={"inspectors": "别人"})
    services.amend_inspection(actor=alice, inspection=inspection, reason="漏记", changes={"inspectors": "李、王"})


def test_numbers_sent_back_masked_with_words_added_keep_their_digits_and_the_history_shows_them_masked(
    ada, alice, leo, shut_target
):
    from django.test import Client
    from rest_framework.test import APIClient

    phone, masked = "13974285678", "139****5678"
    inspection = services.start_inspection(actor=ada, target=shut_target)
    services.save_draft(actor=ada, inspection=inspection, data=services.InspectionInput(
        inspectors=f"钱{phone}", env_problems=f"露天喷漆，负责人{phone}", new_legal_person=f"孙{phone}"))  # fmt: skip
    api = APIClient()
    api.force_authenticate(ada)
    shown = api.get(f"/api/v1/lookback/inspections/{inspection.pk}/").json()
    assert shown["env_problems"] == f"露天喷漆，负责人{masked}" and shown["inspectors"] == f"钱{masked}"
    # The inspector's app sends the draft back as it read it, a sentence added to the problems.
    response = api.patch(f"/api/v1/lookback/inspections/{inspection.pk}/", {
        "version": shown["version"], "env_problems": shown["env_problems"] + "。另有异味",
        "new_legal_person": shown["new_legal_person"], "inspectors": shown["inspectors"]}, format="json")  # fmt: skip
    assert response.status_code == 200, response.content.decode()
    inspection.refresh_from_db()
    assert inspection.env_problems == f"露天喷漆，负责人{phone}。另有异味"
    assert inspection.new_legal_person == f"孙{phone}" and inspection.inspectors == f"钱{phone}"
    # Submitted, then corrected by the town with the masked value edited: digits kept, history masked for all.
    items = services.applicable_items(shut_target)
    inspection = services.submit_inspection(actor=ada, inspection=inspection, data=services.InspectionInput(
        answers=_all_clear(items), inspectors=f"钱{phone}", env_problems=f"露天喷漆，负责人{phone}"))  # fmt: skip
    services.amend_inspection(actor=alice, inspection=inspection, reason="补记检查人员",
                              changes={"inspectors": f"钱{masked}、赵"})  # fmt: skip
    inspection.refresh_from_db()
    assert inspection.inspectors == f"钱{phone}、赵"
    for user in (alice, leo):
        client = Client()
        client.force_login(user)
        page = client.get(f"/lookback/inspections/{inspection.pk}/").content.decode()
        assert phone not in page and f"钱{masked}、赵" in page, user
