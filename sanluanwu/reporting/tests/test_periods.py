"""The half-month periods of a campaign (四、工作要求（三）: before the 15th and the 30th, February's last day) and the
units expected in each: following the campaign's towns until the period falls due, frozen from then on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models

from sanluanwu.accounts import services as accounts
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns import services as campaigns
from sanluanwu.campaigns.models import Campaign
from sanluanwu.core.errors import PermissionDenied, ValidationFailed
from sanluanwu.reporting import services
from sanluanwu.reporting.models import Period, Report, Slot
from sanluanwu.reporting.periods import PeriodDates, half_months
from sanluanwu.reporting.tests.steps import new_campaign, period_of, slot_of, submit

D = dt.date


def spans(periods: list[PeriodDates]) -> list[tuple[dt.date, dt.date, dt.date]]:
    return [(p.starts_on, p.ends_on, p.due_on) for p in periods]


def join(office, campaign: Campaign, town: OrgUnit) -> None:
    """The office adds a town to the campaign's participants."""
    campaigns.set_participants(actor=office, campaign=campaign, units=[*campaign.participants.all(), town])


def units_of(period: Period) -> set[str]:
    return set(Slot.objects.filter(period=period).values_list("unit__code", flat=True))


# ---- the dates (no database) ---------------------------------------------------------------------------------------


def test_a_month_has_two_halves_due_on_the_15th_and_the_30th():
    assert spans(half_months(D(2020, 6, 1), D(2020, 6, 30))) == [
        (D(2020, 6, 1), D(2020, 6, 15), D(2020, 6, 15)),
        (D(2020, 6, 16), D(2020, 6, 30), D(2020, 6, 30)),
    ]


def test_the_second_half_of_a_31_day_month_runs_to_the_31st_but_is_due_on_the_30th():
    assert spans(half_months(D(2020, 7, 16), D(2020, 7, 31))) == [(D(2020, 7, 16), D(2020, 7, 31), D(2020, 7, 30))]


def test_februarys_second_half_is_due_on_its_last_day_in_a_common_year():
    assert spans(half_months(D(2023, 2, 1), D(2023, 2, 28))) == [
        (D(2023, 2, 1), D(2023, 2, 15), D(2023, 2, 15)),
        (D(2023, 2, 16), D(2023, 2, 28), D(2023, 2, 28)),
    ]


def test_februarys_second_half_is_due_on_the_29th_in_the_leap_year_2024():
    periods = half_months(D(2024, 1, 20), D(2024, 3, 10))
    assert spans(periods) == [
        (D(2024, 1, 20), D(2024, 1, 31), D(2024, 1, 30)),
        (D(2024, 2, 1), D(2024, 2, 15), D(2024, 2, 15)),
        (D(2024, 2, 16), D(2024, 2, 29), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2024, 3, 10), D(2024, 3, 15)),
    ]


def test_a_period_cut_short_by_the_campaign_keeps_its_half_months_due_date():
    assert spans(half_months(D(2020, 6, 10), D(2020, 7, 20))) == [
        (D(2020, 6, 10), D(2020, 6, 15), D(2020, 6, 15)),
        (D(2020, 6, 16), D(2020, 6, 30), D(2020, 6, 30)),
        (D(2020, 7, 1), D(2020, 7, 15), D(2020, 7, 15)),
        (D(2020, 7, 16), D(2020, 7, 20), D(2020, 7, 30)),
    ]


def test_a_period_cut_short_by_the_campaigns_start_is_never_due_before_its_first_day():
    assert spans(half_months(D(2020, 10, 6), D(2020, 10, 31), first_due_day=1, second_due_day=20)) == [
        (D(2020, 10, 6), D(2020, 10, 15), D(2020, 10, 6)),
        (D(2020, 10, 16), D(2020, 10, 31), D(2020, 10, 20)),
    ]


def test_a_campaign_inside_one_half_month_has_one_period():
    assert spans(half_months(D(2020, 7, 3), D(2020, 7, 5))) == [(D(2020, 7, 3), D(2020, 7, 5), D(2020, 7, 15))]


def test_the_periods_run_on_across_the_new_year():
    assert spans(half_months(D(2020, 12, 20), D(2021, 1, 10))) == [
        (D(2020, 12, 20), D(2020, 12, 31), D(2020, 12, 30)),
        (D(2021, 1, 1), D(2021, 1, 10), D(2021, 1, 15)),
    ]


def test_a_campaigns_own_due_days_fall_back_to_the_months_last_day():
    periods = half_months(D(2021, 2, 1), D(2021, 4, 30), first_due_day=10, second_due_day=31)
    assert [p.due_on for p in periods] == [D(2021, 2, 10), D(2021, 2, 28), D(2021, 3, 10), D(2021, 3, 31),
                                           D(2021, 4, 10), D(2021, 4, 30)]  # fmt: skip


def test_every_day_of_a_campaign_falls_in_exactly_one_period():
    start, end = D(2023, 11, 7), D(2024, 3, 3)
    periods = half_months(start, end)
    day = start
    while day <= end:
        assert sum(1 for p in periods if p.starts_on <= day <= p.ends_on) == 1, day
        day += dt.timedelta(days=1)
    assert all(p.starts_on <= p.ends_on for p in periods)
    assert all(p.due_on >= p.starts_on for p in periods)


# ---- the periods of a campaign -------------------------------------------------------------------------------------


def test_a_campaigns_periods_expect_its_towns_and_not_its_departments(district, travel):
    travel(D(2024, 2, 1))
    c = new_campaign("二月行动", D(2024, 2, 1), D(2024, 3, 31), [district["hutang"], district["niutang"],
                                                              district["sthjj"]], today=D(2024, 2, 1))  # fmt: skip
    periods = list(Period.objects.filter(campaign=c).order_by("starts_on"))
    assert [(p.starts_on, p.ends_on, p.default_due_on, p.due_on) for p in periods] == [
        (D(2024, 2, 1), D(2024, 2, 15), D(2024, 2, 15), D(2024, 2, 15)),
        (D(2024, 2, 16), D(2024, 2, 29), D(2024, 2, 29), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2024, 3, 15), D(2024, 3, 15), D(2024, 3, 15)),
        (D(2024, 3, 16), D(2024, 3, 31), D(2024, 3, 30), D(2024, 3, 30)),
    ]
    assert all(units_of(p) == {"hutang", "niutang"} for p in periods)
    assert periods[1].label == "2024年2月下半月" and periods[0].label == "2024年2月上半月"
    assert periods[1].span == "2月16日—2月29日"


def test_an_inactive_town_is_not_expected_to_report(district, sysadmin, travel):
    travel(D(2020, 7, 1))
    niutang = district["niutang"]
    niutang.is_active = False
    accounts.save_org_unit(actor=sysadmin, org_unit=niutang)
    c = new_campaign("停用单位", D(2020, 7, 1), D(2020, 7, 31), [district["hutang"], district["niutang"]],
                     today=D(2020, 7, 1))  # fmt: skip
    assert all(units_of(p) == {"hutang"} for p in Period.objects.filter(campaign=c))


def test_syncing_again_changes_nothing(summer):
    before = sorted(Slot.objects.filter(period__campaign=summer).values_list("id", "period_id", "unit_id"))
    periods = sorted(Period.objects.filter(campaign=summer).values_list("id", "starts_on", "due_on"))
    services.sync_periods(campaign=summer, today=D(2020, 7, 1))
    services.sync_periods(campaign=summer, today=D(2020, 7, 1))
    assert sorted(Slot.objects.filter(period__campaign=summer).values_list("id", "period_id", "unit_id")) == before
    assert sorted(Period.objects.filter(campaign=summer).values_list("id", "starts_on", "due_on")) == periods


def test_a_town_joining_after_a_due_date_joins_only_the_periods_not_yet_due(summer, district, office, travel):
    first, second = period_of(summer, D(2020, 7, 1)), period_of(summer, D(2020, 7, 16))
    travel(D(2020, 7, 16))
    join(office, summer, _another_town(district))
    services.sync_periods(campaign=summer, today=D(2020, 7, 16))
    assert units_of(first) == {"hutang", "niutang"}
    assert len(units_of(second)) == 3
    assert all(len(units_of(p)) == 3 for p in Period.objects.filter(campaign=summer, starts_on__gte=D(2020, 7, 16)))


def test_a_town_joining_on_the_due_date_itself_still_joins_that_period(summer, district, office, travel):
    first = period_of(summer, D(2020, 7, 1))
    travel(first.due_on)
    join(office, summer, _another_town(district))
    services.sync_periods(campaign=summer, today=first.due_on)
    assert len(units_of(first)) == 3


def test_a_town_leaving_leaves_the_periods_not_yet_due_but_not_one_it_reported_in(summer, district, bob, office,
                                                                                   travel):  # fmt: skip
    first, second = period_of(summer, D(2020, 7, 1)), period_of(summer, D(2020, 7, 16))
    travel(D(2020, 7, 17))
    submit(bob, slot_of(summer, D(2020, 7, 17), district["niutang"]))  # 牛塘 reported for the second half of July
    campaigns.set_participants(actor=office, campaign=summer, units=[district["hutang"]])
    services.sync_periods(campaign=summer, today=D(2020, 7, 17))
    assert units_of(first) == {"hutang", "niutang"}  # due: frozen
    assert units_of(second) == {"hutang", "niutang"}  # not due, but 牛塘's report is kept
    assert units_of(period_of(summer, D(2020, 8, 1))) == {"hutang"}


def test_a_campaign_set_up_late_gets_units_even_in_periods_already_due(district, travel):
    travel(D(2020, 8, 5))
    c = new_campaign("补建行动", D(2020, 7, 1), D(2020, 8, 31), [district["hutang"]], today=D(2020, 8, 5))
    assert all(units_of(p) == {"hutang"} for p in Period.objects.filter(campaign=c))


def test_a_shortened_campaign_drops_only_periods_nothing_happened_in_and_is_refused_otherwise(summer, district, alice,
                                                                                               office, travel):  # fmt: skip
    """Shortening had silently deleted a begun period (its units, a moved due date and its reason; a notice then
    pointed at nothing) and left a reported one outside the campaign: now only periods not begun and untouched go,
    and a shortening that would drop any other is refused, naming it, with nothing changed."""
    from sanluanwu.core.errors import ValidationFailed

    travel(D(2020, 7, 20))
    # 8月下半月 not begun, nothing in it: the campaign may end with July … or with 8月上半月.
    summer.ends_on = D(2020, 8, 15)
    campaigns.save_campaign(actor=office, campaign=summer)
    assert list(Period.objects.filter(campaign=summer).order_by("starts_on").values_list("starts_on", flat=True)) == [
        D(2020, 7, 1), D(2020, 7, 16), D(2020, 8, 1)]  # fmt: skip
    # 8月上半月's due date moved (a holiday): dropping it would lose that record.
    services.move_due_date(actor=office, period=period_of(summer, D(2020, 8, 1)), due_on=D(2020, 8, 18),
                           reason="防汛抢险顺延")  # fmt: skip
    summer.ends_on = D(2020, 7, 31)
    with pytest.raises(ValidationFailed) as refused:
        campaigns.save_campaign(actor=office, campaign=summer)
    assert "8月上半月" in refused.value.errors["ends_on"][0] and "调整过截止日期" in refused.value.errors["ends_on"][0]
    summer.refresh_from_db()
    assert summer.ends_on == D(2020, 8, 15) and Period.objects.filter(campaign=summer).count() == 3
    # A period begun is never dropped either (its reports may come): the current one, 7月下半月.
    summer.ends_on = D(2020, 7, 15)
    with pytest.raises(ValidationFailed, match="7月下半月"):
        campaigns.save_campaign(actor=office, campaign=summer)


def test_a_campaign_starting_later_moves_its_first_period_and_keeps_it(summer, office):
    first = period_of(summer, D(2020, 7, 1))
    summer.starts_on = D(2020, 7, 6)
    campaigns.save_campaign(actor=office, campaign=summer)
    first.refresh_from_db()
    assert (first.starts_on, first.ends_on, first.due_on) == (D(2020, 7, 6), D(2020, 7, 15), D(2020, 7, 15))
    assert Period.objects.filter(campaign=summer).count() == 4


def test_a_moved_due_date_survives_the_campaign_changing(summer, office):
    first = period_of(summer, D(2020, 7, 1))
    services.move_due_date(actor=office, period=first, due_on=D(2020, 7, 17), reason="端午节假期顺延")
    summer.second_due_day = 28
    campaigns.save_campaign(actor=office, campaign=summer)
    first.refresh_from_db()
    assert first.due_on == D(2020, 7, 17) and first.default_due_on == D(2020, 7, 15)
    assert period_of(summer, D(2020, 7, 16)).due_on == D(2020, 7, 28)


# ---- a campaign set up by the office -------------------------------------------------------------------------------


def test_a_new_campaign_set_up_by_the_office_gets_its_own_periods_and_leaves_the_old_ones_alone(
    summer, district, office, alice, travel
):
    travel(D(2020, 7, 10))
    old_report = submit(alice, slot_of(summer, D(2020, 7, 10), district["hutang"]))
    old = sorted(Period.objects.filter(campaign=summer).values_list("id", "starts_on", "ends_on", "due_on"))
    old_slots = sorted(Slot.objects.filter(period__campaign=summer).values_list("id", "unit_id", "state", "versions"))

    new = campaigns.save_campaign_setup(
        actor=office,
        campaign=Campaign(name="2020年秋季巩固行动", starts_on=D(2020, 9, 1), ends_on=D(2020, 10, 31)),
        phases={"mobilisation": (D(2020, 9, 1), D(2020, 9, 10), "动员部署"),
                "remediation": (D(2020, 9, 11), D(2020, 10, 20), "集中整治"),
                "review": (D(2020, 10, 21), D(2020, 10, 31), "总结考评")},
        participants=[district["niutang"], district["sthjj"]],
    )  # fmt: skip

    mine = list(Period.objects.filter(campaign=new).order_by("starts_on"))
    assert [(p.starts_on, p.due_on) for p in mine] == [(D(2020, 9, 1), D(2020, 9, 15)), (D(2020, 9, 16), D(2020, 9, 30)),
                                                      (D(2020, 10, 1), D(2020, 10, 15)),
                                                      (D(2020, 10, 16), D(2020, 10, 30))]  # fmt: skip
    assert all(units_of(p) == {"niutang"} for p in mine)  # the department sends briefs, not the table
    assert sorted(Period.objects.filter(campaign=summer).values_list("id", "starts_on", "ends_on", "due_on")) == old
    assert sorted(Slot.objects.filter(period__campaign=summer).values_list("id", "unit_id", "state",
                                                                           "versions")) == old_slots  # fmt: skip
    stored = Report.objects.get(pk=old_report.pk)
    assert (stored.sha256, stored.rows, stored.figures) == (old_report.sha256, old_report.rows, old_report.figures)
    assert AuditEvent.objects.filter(action="campaigns.campaign.created", object_id=str(new.pk)).exists()


def test_the_periods_follow_when_the_office_shortens_a_campaign(summer, office, travel):
    travel(D(2020, 7, 20))
    summer.ends_on = D(2020, 8, 10)
    campaigns.save_campaign(actor=office, campaign=summer)
    periods = list(Period.objects.filter(campaign=summer).order_by("starts_on"))
    assert [(p.starts_on, p.ends_on, p.due_on) for p in periods][-1] == (D(2020, 8, 1), D(2020, 8, 10), D(2020, 8, 15))
    assert len(periods) == 3


def test_a_second_due_day_before_the_second_half_begins_is_refused(district, office, travel):
    # A half month due before it starts could never be reported on time (move_due_date refuses such a date too).
    travel(D(2020, 7, 1))
    with pytest.raises(ValidationFailed) as exc:
        campaigns.save_campaign_setup(
            actor=office,
            campaign=Campaign(name="报送日设置错误", starts_on=D(2020, 9, 1), ends_on=D(2020, 9, 30), first_due_day=5,
                              second_due_day=10),
            phases={}, participants=[district["hutang"]],
        )  # fmt: skip
    assert "second_due_day" in exc.value.errors
    assert not Period.objects.filter(due_on__lt=models.F("starts_on")).exists()


def test_only_the_office_admin_sets_up_a_campaign(district, alice, travel):
    travel(D(2020, 7, 1))
    with pytest.raises(PermissionDenied):
        campaigns.save_campaign_setup(actor=alice, campaign=Campaign(name="越权", starts_on=D(2020, 9, 1),
                                                                     ends_on=D(2020, 9, 30)),
                                      phases={}, participants=[district["hutang"]])  # fmt: skip
    assert not Campaign.objects.filter(name="越权").exists()
    assert not Period.objects.exists()


def test_a_town_added_in_the_setup_after_a_due_date_joins_only_the_future_periods(summer, district, office, travel):
    other = _another_town(district)
    travel(D(2020, 7, 20))
    campaigns.save_campaign_setup(actor=office, campaign=summer, phases={},
                                  participants=[district["hutang"], district["niutang"], other])  # fmt: skip
    assert units_of(period_of(summer, D(2020, 7, 1))) == {"hutang", "niutang"}
    for day in (D(2020, 7, 16), D(2020, 8, 1), D(2020, 8, 16)):
        assert units_of(period_of(summer, day)) == {"hutang", "niutang", other.code}


def _another_town(district: dict[str, OrgUnit]) -> OrgUnit:
    """A third town (neither 湖塘 nor 牛塘)."""
    return (OrgUnit.objects.filter(kind=OrgUnitKind.TOWN, is_active=True)
            .exclude(pk__in=[district["hutang"].pk, district["niutang"].pk]).order_by("sort_order").first())  # fmt: skip


def test_a_campaign_starting_later_never_reshapes_a_begun_or_reported_period(summer, district, alice, office, travel):
    """Moving the start into a period whose reports cover its first days had rewritten it silently."""
    from sanluanwu.core.errors import ValidationFailed

    travel(D(2020, 7, 17))
    submit(alice, slot_of(summer, D(2020, 7, 1), district["hutang"]))
    summer.starts_on = D(2020, 7, 6)
    with pytest.raises(ValidationFailed, match=r"7月上半月.*起始日不能再改变"):
        campaigns.save_campaign(actor=office, campaign=summer)
    assert period_of(summer, D(2020, 7, 1)).starts_on == D(2020, 7, 1)
    # The running period (7月下半月, nothing reported) may still end earlier or later with the campaign.
    summer.refresh_from_db()
    summer.ends_on = D(2020, 7, 28)
    campaigns.save_campaign(actor=office, campaign=summer)
    assert period_of(summer, D(2020, 7, 16)).ends_on == D(2020, 7, 28)


def test_the_campaign_cannot_end_the_running_period_in_the_past(summer, office, travel):
    """Cutting the campaign to a day already gone had ended the running period at once, deleted the later ones, and
    no later date could undo it (an ended period's end is kept)."""
    travel(D(2020, 7, 20))
    summer.ends_on = D(2020, 7, 18)
    with pytest.raises(ValidationFailed, match=r"7月下半月.*正在进行.*不能早于今天（2020-07-20）"):
        campaigns.save_campaign(actor=office, campaign=summer)
    summer.refresh_from_db()
    assert period_of(summer, D(2020, 7, 16)).ends_on == D(2020, 7, 31)
    assert Period.objects.filter(campaign=summer, starts_on__gt=D(2020, 7, 31)).exists()
    summer.ends_on = D(2020, 7, 20)  # today: the period ends today and can still be reported
    campaigns.save_campaign(actor=office, campaign=summer)
    assert period_of(summer, D(2020, 7, 16)).ends_on == D(2020, 7, 20)
    summer.refresh_from_db()
    summer.ends_on = D(2020, 8, 31)  # and extended again
    campaigns.save_campaign(actor=office, campaign=summer)
    assert period_of(summer, D(2020, 7, 16)).ends_on == D(2020, 7, 31)


def test_new_due_days_apply_from_now_on_and_never_to_an_ended_or_reported_period(summer, district, alice, office,
                                                                                travel):  # fmt: skip
    """Changing the due days had moved ended, reported periods' due dates (one to before its own end) unannounced."""
    travel(D(2020, 7, 10))
    submit(alice, slot_of(summer, D(2020, 7, 1), district["hutang"]))
    travel(D(2020, 7, 20))
    before = {p.pk: (p.due_on, p.default_due_on) for p in Period.objects.filter(campaign=summer)}
    summer.first_due_day, summer.second_due_day = 10, 25
    campaigns.save_campaign(actor=office, campaign=summer)
    for period in Period.objects.filter(campaign=summer):
        if period.ends_on < D(2020, 7, 20) or period.starts_on == D(2020, 7, 1):
            assert (period.due_on, period.default_due_on) == before[period.pk], period.label
    assert period_of(summer, D(2020, 7, 16)).due_on == D(2020, 7, 25)  # the running, unreported one follows
    assert period_of(summer, D(2020, 8, 1)).due_on == D(2020, 8, 10)
    assert period_of(summer, D(2020, 8, 16)).due_on == D(2020, 8, 25)


def test_new_due_days_that_would_put_the_running_periods_date_behind_today_are_refused(summer, office, travel):
    """上半月报送日 1 on 5 July had made 7月上半月 due on 1 July: every town late at once, and setting 15 again could no
    longer undo it (a period past its due date keeps it)."""
    travel(D(2020, 7, 5))
    summer.first_due_day = 1
    with pytest.raises(ValidationFailed) as refused:
        campaigns.save_campaign(actor=office, campaign=summer)
    assert (
        "7月上半月" in refused.value.errors["first_due_day"][0]
        and "已经过去" in refused.value.errors["first_due_day"][0]
    )
    assert period_of(summer, D(2020, 7, 1)).due_on == D(2020, 7, 15)
    summer.refresh_from_db()
    assert summer.first_due_day == 15  # nothing of the refused change was kept
    travel(D(2020, 7, 20))  # once 7月上半月 is over, the new day applies to the periods to come
    summer.first_due_day = 1
    campaigns.save_campaign(actor=office, campaign=summer)
    assert period_of(summer, D(2020, 7, 1)).due_on == D(2020, 7, 15)
    assert period_of(summer, D(2020, 8, 1)).due_on == D(2020, 8, 1)
