"""A campaign's dates and phases decide what "today" means for the dynamic list: changed in the admin, audited."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from sanluanwu.accounts.tests.adminforms import form_values
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.models import Campaign, Phase


def test_a_campaigns_dates_changed_in_the_admin_leave_an_event_with_old_and_new(client, sysadmin, campaign):
    client.force_login(sysadmin)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    old_end = campaign.ends_on
    new_end = old_end + dt.timedelta(days=10)
    data = form_values(client, url) | {"ends_on": new_end.isoformat()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="campaigns.campaign.updated")
    assert event.object_id == str(campaign.pk) and event.actor_username == sysadmin.username
    assert event.changes == {"ends_on": [old_end.isoformat(), new_end.isoformat()]}
    assert not AuditEvent.objects.filter(action__startswith="campaigns.phase").exists()  # phases untouched
    html = render_to_string("audit/timeline.html", {"events": [event]})
    assert "修改专项行动" in html and "结束日期" in html and new_end.isoformat() in html


def test_phases_changed_added_and_deleted_in_the_admin_are_each_recorded(client, sysadmin, campaign):
    client.force_login(sysadmin)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    data = form_values(client, url)
    phases = {data[f"phases-{i}-kind"]: i for i in range(int(data["phases-TOTAL_FORMS"]))}
    review, survey = phases["review"], phases["survey"]
    removed_pk = int(data[f"phases-{review}-id"])
    survey_end = Phase.objects.get(pk=data[f"phases-{survey}-id"]).ends_on
    data |= {f"phases-{survey}-ends_on": (survey_end + dt.timedelta(days=3)).isoformat(),
             f"phases-{review}-DELETE": "on"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert not Phase.objects.filter(pk=removed_pk).exists()
    changed = AuditEvent.objects.get(action="campaigns.phase.updated")
    assert changed.changes == {"ends_on": [survey_end.isoformat(), (survey_end + dt.timedelta(days=3)).isoformat()]}
    deleted = AuditEvent.objects.get(action="campaigns.phase.deleted")
    assert deleted.object_id == str(removed_pk) and deleted.changes["kind"] == ["review", None]
    html = render_to_string("audit/timeline.html", {"events": [changed, deleted]})
    assert "修改实施阶段" in html and "删除实施阶段" in html and "总结考评" in html

    data = form_values(client, url)
    total = int(data["phases-TOTAL_FORMS"])
    data |= {"phases-TOTAL_FORMS": str(total + 1), f"phases-{total}-campaign": str(campaign.pk),
             f"phases-{total}-kind": "review", f"phases-{total}-starts_on": campaign.ends_on.isoformat(),
             f"phases-{total}-ends_on": campaign.ends_on.isoformat(), f"phases-{total}-description": "总结"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    created = AuditEvent.objects.get(action="campaigns.phase.created")
    assert created.changes["kind"] == [None, "review"]


def test_a_campaign_added_in_the_admin_is_recorded(client, sysadmin, district):
    client.force_login(sysadmin)
    data = form_values(client, "/admin/campaigns/campaign/add/") | {
        "name": "2021年“散乱污”回头看", "starts_on": "2021-06-01", "ends_on": "2021-09-10",
    }  # fmt: skip
    assert client.post("/admin/campaigns/campaign/add/", data).status_code == 302
    created = Campaign.objects.get(name="2021年“散乱污”回头看")
    event = AuditEvent.objects.get(action="campaigns.campaign.created")
    assert event.object_id == str(created.pk) and event.changes["starts_on"] == [None, "2021-06-01"]


def test_a_campaign_is_ended_never_deleted(client, sysadmin, campaign):
    client.force_login(sysadmin)
    assert client.get(f"/admin/campaigns/campaign/{campaign.pk}/delete/").status_code == 403


def test_the_reporting_rules_are_the_offices_and_read_only_in_the_admin(client, sysadmin, campaign):
    # When reports are due decides whether a town reported on time: the office sets it in its page, not the system
    # admin in the admin (三员分立). The admin shows the rules; a value posted anyway changes nothing.
    client.force_login(sysadmin)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    data = form_values(client, url)
    assert "first_due_day" not in data and "reminder_days" not in data
    page = client.get(url).content.decode()
    assert "上半月报送日" in page
    response = client.post(url, data | {"first_due_day": "14", "second_due_day": "28", "briefs_max": "9"})
    assert response.status_code == 302
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.first_due_day, stored.second_due_day, stored.briefs_max) == (
        campaign.first_due_day, campaign.second_due_day, campaign.briefs_max)  # fmt: skip
    assert not AuditEvent.objects.filter(action="campaigns.campaign.updated").exists()
