"""Reporting rates (DHIS2's completeness and timeliness): of the reports expected in a period, how many came and how
many by the due date; per period, per unit and for the campaign. A unit joining or leaving never rewrites them."""

from __future__ import annotations

import datetime as dt

from conftest import make_user
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.campaigns import services as campaigns
from sanluanwu.reporting import queries, services
from sanluanwu.reporting.models import Period
from sanluanwu.reporting.queries import Rates
from sanluanwu.reporting.tests.steps import period_of, slot_of, submit

D = dt.date
JULY_1, JULY_16, AUG_1 = D(2020, 7, 1), D(2020, 7, 16), D(2020, 8, 1)


def third_town(district: dict[str, OrgUnit]) -> OrgUnit:
    return (OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, is_active=True)
            .exclude(pk__in=[district["hutang"].pk, district["niutang"].pk]).order_by("sort_order").first())  # fmt: skip


def assert_sane(rates: Rates) -> None:
    assert 0 <= rates.on_time <= rates.submitted <= rates.expected
    assert rates.missing == rates.expected - rates.submitted and rates.late == rates.submitted - rates.on_time


def test_rates_text_reads_as_a_percentage_with_one_decimal():
    assert Rates(2, 1, 1).completeness == "50.0%"
    assert Rates(3, 1, 0).completeness == "33.3%" and Rates(3, 1, 0).timeliness == "0.0%"
    assert Rates(2, 2, 2).timeliness == "100.0%"
    assert Rates(0, 0, 0).completeness == "—"  # nothing expected: no rate at all
    # Rounded half up as people and spreadsheets round: 1/16 = 6.25 % reads 6.3 % (Python's round() gave 6.2).
    assert Rates(16, 1, 1).completeness == "6.3%" and Rates(3, 2, 2).completeness == "66.7%"
    assert Rates(16, 3, 3).completeness == "18.8%" and Rates(8, 1, 1).completeness == "12.5%"


def test_a_period_counts_reports_expected_submitted_and_on_time(summer, district, alice, bob, travel):
    travel(D(2020, 7, 15))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]))
    travel(D(2020, 7, 17))
    submit(bob, slot_of(summer, JULY_1, district["niutang"]))
    first, second = period_of(summer, JULY_1), period_of(summer, JULY_16)
    rates = queries.period_rates([first, second])
    assert (rates[first.pk].expected, rates[first.pk].submitted, rates[first.pk].on_time) == (2, 2, 1)
    assert rates[first.pk].completeness == "100.0%" and rates[first.pk].timeliness == "50.0%"
    assert (rates[second.pk].expected, rates[second.pk].submitted, rates[second.pk].completeness) == (2, 0, "0.0%")


def test_a_corrected_report_counts_once(summer, district, alice, office, travel):
    slot = slot_of(summer, JULY_1, district["hutang"])
    travel(D(2020, 7, 10))
    submit(alice, slot)
    services.return_report(actor=office, slot=slot, comment="请更正")
    submit(alice, slot)
    submit(alice, slot, remark="再次更正")
    rates = queries.period_rates([slot.period])[slot.period_id]
    assert (rates.expected, rates.submitted, rates.on_time) == (2, 1, 1)


def test_a_town_sees_the_rates_of_its_own_slots_only(summer, district, alice, bob, travel):
    travel(D(2020, 7, 10))
    submit(bob, slot_of(summer, JULY_1, district["niutang"]))
    period = period_of(summer, JULY_1)
    mine = queries.period_rates([period], scope_for(alice))[period.pk]
    assert (mine.expected, mine.submitted) == (1, 0)


def test_unit_rates_count_only_the_periods_already_due(summer, district, alice, bob, travel):
    travel(D(2020, 7, 14))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]))
    travel(D(2020, 7, 16))
    submit(bob, slot_of(summer, JULY_1, district["niutang"]))  # late
    travel(D(2020, 7, 20))
    submit(alice, slot_of(summer, JULY_16, district["hutang"]))

    by_unit = dict((name, r) for (_id, name), r in queries.unit_rates(summer, until=D(2020, 7, 30)))
    # On 07-30 only the first period (due 07-15) is past due.
    assert (by_unit["湖塘镇"].expected, by_unit["湖塘镇"].submitted, by_unit["湖塘镇"].on_time) == (1, 1, 1)
    assert (by_unit["牛塘镇"].expected, by_unit["牛塘镇"].submitted, by_unit["牛塘镇"].on_time) == (1, 1, 0)
    by_unit = dict((name, r) for (_id, name), r in queries.unit_rates(summer, until=D(2020, 7, 31)))
    assert (by_unit["湖塘镇"].expected, by_unit["湖塘镇"].submitted, by_unit["湖塘镇"].on_time) == (2, 2, 2)
    assert (by_unit["牛塘镇"].expected, by_unit["牛塘镇"].submitted, by_unit["牛塘镇"].on_time) == (2, 1, 0)
    total = queries.campaign_rates(summer, until=D(2020, 7, 31))
    assert (total.expected, total.submitted, total.on_time) == (4, 3, 2)
    assert total.completeness == "75.0%" and total.timeliness == "50.0%"


def test_a_town_joining_later_never_pushes_a_rate_above_100_percent(summer, district, alice, bob, office, travel):
    newcomer = third_town(district)
    travel(D(2020, 7, 14))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]))
    submit(bob, slot_of(summer, JULY_1, district["niutang"]))
    travel(D(2020, 7, 20))
    campaigns.set_participants(actor=office, campaign=summer,
                               units=[district["hutang"], district["niutang"], newcomer])  # fmt: skip
    services.sync_periods(campaign=summer, today=D(2020, 7, 20))
    carl = make_user("carl", "town_manager", newcomer)
    submit(carl, slot_of(summer, JULY_16, newcomer))

    first, second = period_of(summer, JULY_1), period_of(summer, JULY_16)
    rates = queries.period_rates(Period.objects.filter(campaign=summer))
    assert (rates[first.pk].expected, rates[first.pk].submitted, rates[first.pk].completeness) == (2, 2, "100.0%")
    assert (rates[second.pk].expected, rates[second.pk].submitted) == (3, 1)
    for r in rates.values():
        assert_sane(r)
    per_unit = {unit_id: r for (unit_id, _name), r in queries.unit_rates(summer, until=D(2020, 8, 31))}
    assert per_unit[newcomer.pk].expected == 3  # 7月下半月, 8月上半月 (due 08-15), 8月下半月 (due 08-30)
    assert all(r.submitted <= r.expected for r in per_unit.values())
    total = queries.campaign_rates(summer, until=D(2020, 8, 31))
    assert_sane(total)


def test_a_town_leaving_after_reporting_keeps_its_report_expected(summer, district, alice, bob, office, travel):
    travel(D(2020, 7, 20))
    submit(bob, slot_of(summer, JULY_16, district["niutang"]))
    campaigns.set_participants(actor=office, campaign=summer, units=[district["hutang"]])
    services.sync_periods(campaign=summer, today=D(2020, 7, 20))
    second, august = period_of(summer, JULY_16), period_of(summer, AUG_1)
    rates = queries.period_rates([second, august])
    assert (rates[second.pk].expected, rates[second.pk].submitted) == (2, 1)
    assert rates[august.pk].expected == 1
    for r in rates.values():
        assert_sane(r)
