"""Reasons and decision texts of the remediation work are shown masked on every page and in the API, to the utility
that owns a task as to everyone else: people type a mobile or an ID number into a withdrawal reason or a 依据."""

from __future__ import annotations

from rest_framework.test import APIClient

from conftest import page_as
from sanluanwu.core import clock
from sanluanwu.demo.walk import walk
from sanluanwu.remediation import services

MOBILE, ID_NUMBER = "13812349876", "320483199001011234"


def _api(user, url: str) -> str:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_withdrawn_tasks_reason_reaches_the_utility_masked(parties, case, alice, office, uma, leo):
    case = walk(case, "confirmed", parties)
    power = case.tasks.get(kind__code="power_cut")
    services.withdraw_task(actor=alice, task=power, reason=f"误派，联系人{MOBILE} 身份证{ID_NUMBER}")
    for user, url in ((uma, f"/remediation/tasks/{power.pk}/"), (leo, f"/cases/{case.pk}/"),
                      (office, f"/cases/{case.pk}/"), (alice, f"/cases/{case.pk}/")):  # fmt: skip
        html = page_as(user, url)
        assert MOBILE not in html and ID_NUMBER not in html, (user.username, url)
        assert "误派，联系人138****9876" in html, (user.username, url)


def test_an_enforcement_decisions_basis_and_number_are_masked_on_the_case_page_and_in_the_api(parties, case, office,
                                                                                            district, leo):  # fmt: skip
    case = walk(case, "confirmed", parties)
    services.record_enforcement(actor=office, case=case, unit=district["sthjj"], kind="order_stop",
                                legal_basis=f"《大气污染防治法》，承办人{MOBILE}", document_no=f"武环责字{MOBILE}",
                                decided_on=clock.today())  # fmt: skip
    for user in (leo, office):
        assert MOBILE not in page_as(user, f"/cases/{case.pk}/")
        assert MOBILE not in _api(user, f"/api/v1/remediation/cases/{case.pk}/")
