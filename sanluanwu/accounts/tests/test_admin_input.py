"""The admin's forms take text as every other path does (control characters removed, an empty name refused on the
form), and its own password-change page leads to 账号安全 (where the password profile, history and audit apply)."""

from __future__ import annotations

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.tests.adminforms import form_values
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.models import Campaign


def test_an_org_unit_or_campaign_named_only_by_control_characters_is_refused_on_the_form(client, sysadmin, campaign):
    client.force_login(sysadmin)
    add = "/admin/accounts/orgunit/add/"
    units = OrgUnit.objects.count()
    data = form_values(client, add) | {"name": "\x01\x02", "kind": "department", "code": "tq1",
                                       "parent": str(OrgUnit.objects.filter(parent=None).get().pk)}  # fmt: skip
    response = client.post(add, data)
    assert response.status_code == 200 and "不能为空" in response.content.decode()
    assert OrgUnit.objects.count() == units
    data["name"] = "\u202e区测试局\x01"
    assert client.post(add, data).status_code == 302
    assert OrgUnit.objects.get(code="tq1").name == "区测试局"
    change = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    data = form_values(client, change) | {"name": "\x01"}
    response = client.post(change, data)
    assert response.status_code == 200 and "不能为空" in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).name == campaign.name


def test_the_admins_own_password_change_page_leads_to_the_account_page_and_changes_nothing(client, sysadmin):
    client.force_login(sysadmin)
    before = sysadmin.password
    events = AuditEvent.objects.count()
    for url in ("/admin/password_change/", "/admin/password_change/done/"):
        assert client.get(url)["Location"] == "/account/password/"
    response = client.post("/admin/password_change/", {"old_password": "whatever", "new_password1": "Adm#NewPass-2026x",
                                                       "new_password2": "Adm#NewPass-2026x"})  # fmt: skip
    assert response.status_code in (301, 302) and response["Location"] == "/account/password/"
    sysadmin.refresh_from_db()
    assert sysadmin.password == before and AuditEvent.objects.count() == events
