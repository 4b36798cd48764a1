"""The scheduled reminders: each town manager whose report is not in, 3 and 1 days before the due date (the campaign's
reminder days); the office the day after, for each unit never submitted. Each goes once, however often the job runs."""

from __future__ import annotations

import datetime as dt

from sanluanwu.campaigns import services as campaigns
from sanluanwu.notices.models import Notice
from sanluanwu.reporting import services
from sanluanwu.reporting.models import ReminderSent
from sanluanwu.reporting.tests.steps import new_campaign, period_of, slot_of, submit

D = dt.date
JULY_1 = D(2020, 7, 1)


def run(travel, day: dt.date) -> dict[str, int]:
    travel(day, 8)
    return services.send_reminders(today=day)


def reminders(user) -> list[str]:
    return list(Notice.objects.filter(recipient=user, kind="reporting.reminder").order_by("id")
                .values_list("text", flat=True))  # fmt: skip


def missing(user) -> list[str]:
    return list(Notice.objects.filter(recipient=user, kind="reporting.missing").order_by("id")
                .values_list("text", flat=True))  # fmt: skip


def test_town_managers_are_reminded_3_days_and_1_day_before_and_the_office_the_day_after(
    summer, alice, ada, bob, office, travel
):
    # 2020年7月上半月 is due on 07-15.
    sent = {day: run(travel, D(2020, 7, day)) for day in range(9, 20)}
    assert {day: s for day, s in sent.items() if s["before"] or s["missing"]} == {
        12: {"before": 2, "missing": 0},  # due - 3: 湖塘 and 牛塘
        14: {"before": 2, "missing": 0},  # due - 1
        16: {"before": 0, "missing": 2},  # due + 1: the office, one per unit
    }
    assert len(reminders(alice)) == 2 and len(reminders(bob)) == 2
    assert "将于7月15日截止（还有 3 天）" in reminders(alice)[0] and "2020年7月上半月" in reminders(alice)[0]
    assert "将于7月15日截止（还有 1 天）" in reminders(alice)[1]
    assert reminders(ada) == [] and reminders(office) == []  # managers only; the office gets the other kind
    told = missing(office)
    assert len(told) == 2 and any("湖塘镇" in t for t in told) and any("牛塘镇" in t for t in told)
    assert missing(alice) == []


def test_running_the_job_twice_a_day_sends_nothing_new(summer, alice, office, travel):
    for day in (D(2020, 7, 12), D(2020, 7, 14), D(2020, 7, 16)):
        first = run(travel, day)
        assert first["before"] + first["missing"] == 2
        assert run(travel, day) == {"before": 0, "missing": 0}
    assert len(reminders(alice)) == 2 and len(missing(office)) == 2
    assert ReminderSent.objects.count() == 6


def test_no_reminder_goes_on_the_days_between_the_windows_once_the_earlier_one_is_sent(summer, alice, travel):
    run(travel, D(2020, 7, 12))
    assert run(travel, D(2020, 7, 13)) == {"before": 0, "missing": 0}  # 2 days before: window 3 already sent
    run(travel, D(2020, 7, 14))
    assert run(travel, D(2020, 7, 15)) == {"before": 0, "missing": 0}  # on the day: window 1 already sent
    assert len(reminders(alice)) == 2


def test_a_missed_run_still_sends_the_reminder_that_was_due(summer, alice, office, travel):
    assert run(travel, D(2020, 7, 13)) == {"before": 2, "missing": 0}  # the job did not run on the 12th
    assert "还有 2 天" in reminders(alice)[0]
    assert run(travel, D(2020, 7, 18)) == {"before": 0, "missing": 2}  # nor on the 16th and 17th
    assert run(travel, D(2020, 7, 19)) == {"before": 0, "missing": 0}


def test_the_office_is_not_told_later_than_three_days_after(summer, office, travel):
    assert run(travel, D(2020, 7, 19)) == {"before": 0, "missing": 0}
    assert missing(office) == []


def test_a_unit_that_submitted_is_not_reminded_nor_reported_missing(summer, district, alice, bob, office, travel):
    run(travel, D(2020, 7, 12))
    travel(D(2020, 7, 13))
    submit(alice, slot_of(summer, JULY_1, district["hutang"]))
    assert run(travel, D(2020, 7, 14)) == {"before": 1, "missing": 0}
    assert len(reminders(alice)) == 1 and len(reminders(bob)) == 2
    assert run(travel, D(2020, 7, 16)) == {"before": 0, "missing": 1}
    assert len(missing(office)) == 1 and "牛塘镇" in missing(office)[0]


def test_a_returned_report_is_reminded_but_never_reported_missing(summer, district, alice, office, travel):
    slot = slot_of(summer, JULY_1, district["hutang"])
    travel(D(2020, 7, 11))
    submit(alice, slot)
    services.return_report(actor=office, slot=slot, comment="请补充")
    run(travel, D(2020, 7, 12))
    assert len(reminders(alice)) == 1  # it is asked to resubmit
    run(travel, D(2020, 7, 16))
    assert not any("湖塘镇" in t for t in missing(office))  # it did report, once, in time


def test_a_moved_due_date_reminds_again_for_the_new_date(summer, alice, office, travel):
    run(travel, D(2020, 7, 12))
    run(travel, D(2020, 7, 14))
    travel(D(2020, 7, 14), 17)
    services.move_due_date(actor=office, period=period_of(summer, JULY_1), due_on=D(2020, 7, 20), reason="台风停工")
    assert run(travel, D(2020, 7, 16)) == {"before": 0, "missing": 0}  # no longer overdue
    assert run(travel, D(2020, 7, 17)) == {"before": 2, "missing": 0}  # 3 days before the new date
    assert run(travel, D(2020, 7, 19)) == {"before": 2, "missing": 0}
    assert run(travel, D(2020, 7, 21)) == {"before": 0, "missing": 2}
    assert len(reminders(alice)) == 4


def test_a_campaigns_own_reminder_days_are_followed(district, alice, travel):
    travel(D(2020, 7, 1))
    new_campaign("提醒规则", D(2020, 7, 1), D(2020, 7, 15), [district["hutang"]], today=D(2020, 7, 1),
                 reminder_days="5,0")  # fmt: skip
    sent = {day: run(travel, D(2020, 7, day))["before"] for day in range(8, 16)}
    assert sent == {8: 0, 9: 0, 10: 1, 11: 0, 12: 0, 13: 0, 14: 0, 15: 1}
    assert "今天" in reminders(alice)[-1]


def test_an_ended_campaign_reminds_no_one(summer, alice, office, travel):
    summer.is_active = False
    campaigns.save_campaign(actor=office, campaign=summer)
    for day in (12, 14, 16):
        assert run(travel, D(2020, 7, day)) == {"before": 0, "missing": 0}
    assert not Notice.objects.filter(kind__in=["reporting.reminder", "reporting.missing"]).exists()


def test_a_town_that_missed_the_due_date_is_told_the_day_after_as_the_office_is(summer, alice, bob, office, travel):
    submit(bob, slot_of(summer, JULY_1, bob.memberships.get().org_unit))  # 牛塘 reported in time
    run(travel, D(2020, 7, 16))
    overdue = Notice.objects.filter(kind="reporting.overdue")
    assert [n.recipient for n in overdue] == [alice]
    assert "已于7月15日截止" in overdue[0].text and "标为逾期" in overdue[0].text
    assert len(missing(office)) == 1 and "湖塘镇" in missing(office)[0]
