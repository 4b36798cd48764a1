"""Each rule of issue 2 §3, through the service that enforces it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import case_input, enterprise_input, make_case
from sanluanwu.core import geo
from sanluanwu.core.errors import ValidationFailed, WarningsNotAcknowledged
from sanluanwu.registry import rules, services
from sanluanwu.registry.models import Case, Enterprise


def _create(actor: Any, town: Any, ack: bool = False, case: dict[str, Any] | None = None, **kw: Any) -> Case:
    return services.create_case(
        actor=actor,
        enterprise_data=enterprise_input(town, **kw),
        case_data=case_input(**(case or {})),
        acknowledge_warnings=ack,
    )


def test_unlicensed_workshop_with_a_free_name_is_refused_and_offered_the_composed_name(alice, campaign, district):
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], name="湖塘塑料厂", legal_person="张三", industry="塑料造粒")
    message = exc.value.errors["name"][0]
    assert "负责人姓名+经营内容+作坊" in message
    assert "张三塑料造粒作坊" in message
    assert rules.compose_workshop_name("张三", "塑料造粒") == "张三塑料造粒作坊"


@pytest.mark.parametrize("name", ["张三塑料造粒作坊", "张三废品回收个体户"])
def test_unlicensed_workshop_named_by_rule_1_is_accepted(alice, campaign, district, name):
    case = _create(alice, district["hutang"], name=name, legal_person="张三")
    assert case.enterprise.name == name


@pytest.mark.parametrize("name", ["张三作坊", "李四塑料造粒作坊", "张三塑料造粒"])
def test_names_that_miss_a_part_of_rule_1_are_refused(alice, campaign, district, name):
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], name=name, legal_person="张三")
    assert "name" in exc.value.errors


def test_licensed_enterprise_keeps_its_licence_name(alice, campaign, district):
    code = "91320412" + "MA1XYW12" + "3"
    code = code[:17] + rules.uscc_check_char(code[:17])
    case = _create(
        alice, district["hutang"], name="常州市武进区鑫达塑料制品有限公司", licence_status="licensed", credit_code=code
    )
    assert case.enterprise.credit_code == code


def test_a_credit_code_with_a_wrong_check_character_is_refused(alice, campaign, district):
    body = "91320412MA1XYW123"
    wrong = "0" if rules.uscc_check_char(body) != "0" else "1"
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], name="常州鑫达塑料厂", licence_status="licensed", credit_code=body + wrong)
    assert "校验位" in exc.value.errors["credit_code"][0]


def test_a_point_outside_the_district_is_refused_naming_the_field(alice, campaign, district):
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], coordinates="121.4737, 31.2304")  # Shanghai
    assert "不在武进区范围内" in exc.value.errors["coordinates"][0]


def test_swapped_coordinates_are_detected_and_stored_in_the_right_order(alice, campaign, district):
    case = _create(alice, district["hutang"], coordinates="31.7250, 119.9650")
    from decimal import Decimal

    assert (case.enterprise.longitude, case.enterprise.latitude) == (Decimal("119.965000"), Decimal("31.725000"))


def test_gcj02_input_is_stored_as_wgs84_and_the_original_is_kept(alice, campaign, district):
    gcj = geo.wgs84_to_gcj02(119.9650, 31.7250)
    text = f"{gcj[0]:.6f}, {gcj[1]:.6f}"
    case = _create(alice, district["hutang"], coordinates=text, coord_datum=geo.DATUM_GCJ02)
    e = case.enterprise
    assert e.coord_input == text and e.coord_datum == "gcj02"
    assert geo.distance_m(float(e.longitude), float(e.latitude), 119.9650, 31.7250) < 0.5


def test_a_point_outside_the_chosen_town_is_a_warning_not_an_error(alice, campaign, district):
    with pytest.raises(WarningsNotAcknowledged) as exc:
        _create(alice, district["hutang"], coordinates="120.1200, 31.5200")  # 雪堰镇
    assert [w["kind"] for w in exc.value.warnings] == ["outside_town"]
    case = _create(alice, district["hutang"], coordinates="120.1200, 31.5200", ack=True)
    assert case.pk


def test_the_same_name_twice_in_one_town_is_refused(alice, campaign, district):
    _create(alice, district["hutang"])
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], coordinates="119.9900, 31.7100", ack=True)
    assert "同名" in exc.value.errors["name"][0]
    assert Enterprise.objects.count() == 1


def test_the_same_name_in_another_town_is_allowed(office, campaign, district):
    _create(office, district["hutang"])
    case = _create(office, district["niutang"], coordinates="119.9050, 31.7350", phone="13900000000")
    assert case.town == district["niutang"]


def test_the_same_workshop_with_the_same_phone_in_another_town_is_a_warning(office, campaign, district):
    first = _create(office, district["hutang"])
    with pytest.raises(WarningsNotAcknowledged) as exc:
        _create(office, district["niutang"], coordinates="119.9050, 31.7350")
    warning = exc.value.warnings[0]
    assert warning["enterprise_id"] == first.enterprise_id and "联系电话相同" in warning["message"]
    assert "不在同一镇（街道）" in warning["message"]


def test_a_similar_name_is_a_warning_with_a_link(alice, campaign, district):
    first = _create(alice, district["hutang"], name="常州市武进区鑫达塑料制品有限公司", licence_status="licensed")
    with pytest.raises(WarningsNotAcknowledged) as exc:
        _create(
            alice,
            district["hutang"],
            name="常州武进区鑫达塑料制品厂",
            licence_status="licensed",
            coordinates="119.9900, 31.7100",
        )
    warning = exc.value.warnings[0]
    assert warning["kind"] == "similar_name"
    assert warning["url"] == f"/enterprises/{first.enterprise_id}/"


def test_the_same_workshop_entered_again_nearby_is_a_warning(alice, campaign, district):
    first = _create(alice, district["hutang"], coordinates="119.965000, 31.725000")
    with pytest.raises(WarningsNotAcknowledged) as exc:
        _create(alice, district["hutang"], name="张三塑料造粒个体户", coordinates="119.965300, 31.725100")  # 30 m
    [warning] = exc.value.warnings
    assert warning["kind"] == "same_phone" and warning["enterprise_id"] == first.enterprise_id  # weighed most
    assert "负责人同名（张三）" in warning["message"] and "相距 31 米" in warning["message"]


def test_a_neighbour_in_another_trade_is_not_a_warning(alice, campaign, district):
    _create(alice, district["hutang"], coordinates="119.965000, 31.725000")
    case = _create(
        alice,
        district["hutang"],
        name="李四木材加工作坊",
        legal_person="李四",
        industry="木材加工",
        phone="13900000000",
        coordinates="119.965300, 31.725100",
    )  # about 30 m away: being near is never enough on its own
    assert case.pk


def test_an_enterprise_80_metres_away_is_not_flagged(alice, campaign, district):
    _create(alice, district["hutang"], coordinates="119.965000, 31.725000")
    case = _create(
        alice,
        district["hutang"],
        name="李四木材加工作坊",
        legal_person="李四",
        industry="木材加工",
        coordinates="119.965850, 31.725000",
    )
    assert case.pk


def test_planned_completion_before_listing_is_refused(alice, campaign, district):
    with pytest.raises(ValidationFailed) as exc:
        _create(
            alice,
            district["hutang"],
            case={"listed_on": dt.date(2020, 7, 1), "planned_completion": dt.date(2020, 6, 30)},
        )
    assert "不能早于列入名单日期" in exc.value.errors["planned_completion"][0]


def test_the_database_also_refuses_planned_before_listed(hutang_case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=hutang_case.pk).update(planned_completion=hutang_case.listed_on - dt.timedelta(days=1))


def test_a_missing_required_column_is_named(alice, campaign, district):
    with pytest.raises(ValidationFailed) as exc:
        _create(alice, district["hutang"], address="", case={"responsible_person": ""})
    assert exc.value.errors["address"] == ["请填写详细地址"]
    assert exc.value.errors["responsible_person"] == ["请填写责任人"]


def test_an_edit_from_a_stale_form_is_refused(alice, hutang_case, district):
    from sanluanwu.core.errors import Conflict

    services.update_case(
        actor=alice,
        case=hutang_case,
        enterprise_data=enterprise_input(district["hutang"]),
        case_data=case_input(progress_note="已断电"),
        expected_version=hutang_case.version,
    )
    with pytest.raises(Conflict):
        services.update_case(
            actor=alice,
            case=hutang_case,
            enterprise_data=enterprise_input(district["hutang"]),
            case_data=case_input(progress_note="已断水"),
            expected_version=hutang_case.version,
        )


def test_relisting_an_enterprise_keeps_one_history(office, alice, campaign, district):
    first = make_case(alice, district["hutang"])
    again = services.create_case(actor=alice, enterprise=first.enterprise, case_data=case_input(lookback_category=1))
    assert first.enterprise_id == again.enterprise_id
    assert first.enterprise.cases.count() == 2
