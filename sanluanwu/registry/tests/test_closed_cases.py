"""A closed (销号) case is read-only everywhere (service, page, API, imports), its enterprise with it; it changes only
after a recorded reopening by the office; every status change is a history row that the as-of export reads."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from conftest import case_input, enterprise_input, make_case, walk_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.imports.services import preview_import, upload_import
from sanluanwu.registry import queries, services
from sanluanwu.registry.choices import CaseStatus
from sanluanwu.registry.models import Case, CaseStatusChange


def _closed_case(actor, district, **enterprise):
    case = make_case(actor, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30),
                                                       "remediation_type": "shutdown"}, **enterprise)  # fmt: skip
    case = walk_case(case, "closed")
    assert case.status == CaseStatus.CLOSED
    return case


def test_a_closed_case_cannot_be_edited_through_the_service_even_by_the_office(alice, office, campaign, district):
    case = _closed_case(alice, district)
    with pytest.raises(TransitionNotAllowed, match="已销号"):
        services.update_case(actor=office, case=case, enterprise_data=enterprise_input(district["hutang"]),
                             case_data=case_input(responsible_person="别人"))  # fmt: skip
    assert Case.objects.get(pk=case.pk).responsible_person == case.responsible_person


def test_a_closed_case_answers_409_to_a_patch_and_its_edit_page_sends_the_user_back(alice, campaign, district,
                                                                                   client):  # fmt: skip
    case = _closed_case(alice, district)
    api = APIClient()
    api.force_authenticate(alice)
    response = api.patch(f"/api/v1/cases/{case.pk}/", {"version": case.version, "responsible_person": "别人"},
                            format="json")  # fmt: skip
    assert response.status_code == 409 and "已销号" in str(response.json()["non_field_errors"])
    client.force_login(alice)
    page = client.get(f"/cases/{case.pk}/edit/")
    assert page.status_code == 302 and page["Location"].endswith(f"/cases/{case.pk}/")


def test_the_enterprise_of_a_closed_case_is_frozen_with_it_in_the_api(alice, campaign, district):
    case = _closed_case(alice, district)
    e = case.enterprise
    client = APIClient()
    client.force_authenticate(alice)
    response = client.patch(f"/api/v1/enterprises/{e.pk}/", {"version": e.version, "phone": "13900000000"},
                            format="json")  # fmt: skip
    assert response.status_code == 409 and "均已销号" in str(response.json()["non_field_errors"])
    e.refresh_from_db()
    assert e.phone != "13900000000"


def test_the_enterprise_of_a_closed_case_is_not_changed_by_a_baseline_sheet(alice, campaign, district):
    case = _closed_case(alice, district)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["序号", "企业名称", "详细地址", "企业法人或负责人", "联系电话", "2018-2019年整治方式", "完成时间"])
    w.writerow(
        [
            "1",
            case.enterprise.name,
            "湖塘镇某村（已改）",
            case.enterprise.legal_person,
            "13800000000",
            "关停取缔",
            "2019-06-30",
        ]
    )
    batch = upload_import(actor=alice, data=out.getvalue().encode(), filename="底册.csv", kind="baseline",
                          unit=district["hutang"])  # fmt: skip
    batch = preview_import(actor=alice, batch=batch)
    assert batch.counts["changed"] == 0 and batch.counts["error"] == 1, batch.preview
    assert "均已销号" in batch.preview["errors"][0]["message"]


def test_an_enterprise_that_came_back_with_an_open_case_may_change(alice, office, campaign, district):
    """Closed once, found again: its new case is open, and its columns describe it as it is now."""
    case = _closed_case(alice, district)
    services.transition_case(actor=office, case=case, action="reopen", note="专项督查发现复产")
    e = case.enterprise
    e.refresh_from_db()
    updated = services.update_enterprise(actor=alice, enterprise=e, data=enterprise_input(district["hutang"],
                                                                                          phone="13900000000"))  # fmt: skip
    assert updated.phone == "13900000000"


def test_reopening_needs_the_office_and_a_reason_and_leads_back_to_remediation(alice, office, campaign, district):
    case = _closed_case(alice, district)
    with pytest.raises(PermissionDenied):
        services.transition_case(actor=alice, case=case, action="reopen", note="复产")
    with pytest.raises(ValidationFailed):
        services.transition_case(actor=office, case=case, action="reopen", note="")
    reopened = services.transition_case(actor=office, case=case, action="reopen", note="专项督查发现复产")
    assert reopened.status == CaseStatus.REMEDIATING and reopened.closed_on is None
    last = CaseStatusChange.objects.filter(case=case).latest("occurred_at", "id")
    assert (last.from_status, last.to_status, last.action, last.note) == ("closed", "remediating", "reopen",
                                                                          "专项督查发现复产")  # fmt: skip
    assert AuditEvent.objects.filter(object_id=str(case.pk), note__contains="专项督查发现复产").exists()
    # Open again: the town may edit it as before (the type and date stay those the lead department confirmed).
    services.update_case(actor=alice, case=reopened, enterprise_data=enterprise_input(district["hutang"]),
                         case_data=case_input(responsible_person="王科长", remediation_type="shutdown",
                                              planned_completion=reopened.planned_completion))  # fmt: skip
    assert Case.objects.get(pk=case.pk).responsible_person == "王科长"


def test_each_status_change_is_a_row_and_creation_is_not_one(alice, campaign, district):
    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30),
                                                       "remediation_type": "shutdown"})  # fmt: skip
    assert not CaseStatusChange.objects.filter(case=case).exists()
    walk_case(case, "closed")
    rows = list(CaseStatusChange.objects.filter(case=case).order_by("occurred_at", "id")
                .values_list("from_status", "to_status", "action", "actor_name"))  # fmt: skip
    assert [r[:3] for r in rows] == [("listed", "stopped", "stop_production"), ("stopped", "remediating",
                                     "start_remediation"), ("remediating", "awaiting_review", "submit_for_review"),
                                     ("awaiting_review", "awaiting_signoff", "pass_review"),
                                     ("awaiting_signoff", "closed", "approve_closure")]  # fmt: skip
    # Who took each step: the town (stop, review request), the lead department (type, sign-off), a second reviewer.
    assert rows[0][3] == rows[2][3] == "alice" and rows[1][3] == rows[4][3] != "alice" and rows[3][3] != "alice"


def test_the_status_on_a_past_day_comes_from_the_history(alice, campaign, district, time_machine):
    start = clock.now()
    time_machine.move_to(start, tick=False)
    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30),
                                                       "remediation_type": "shutdown"})  # fmt: skip
    day0 = clock.today()
    time_machine.move_to(start + dt.timedelta(days=2), tick=False)
    walk_case(case, "stopped")
    time_machine.move_to(start + dt.timedelta(days=5), tick=False)
    walk_case(case, "closed")
    as_of = queries.statuses_as_of
    assert as_of([case.pk], day0)[case.pk] == ("listed", None)
    assert as_of([case.pk], day0 + dt.timedelta(days=3))[case.pk] == ("stopped", None)
    assert as_of([case.pk], day0 + dt.timedelta(days=5))[case.pk] == ("closed", day0 + dt.timedelta(days=5))


def test_the_edit_page_never_saves_without_the_version_it_was_made_on(client, alice, campaign, hutang_case):
    from sanluanwu.registry.forms import CaseForm

    client.force_login(alice)
    data = {k: ("" if v is None else v) for k, v in CaseForm.initial_from_case(hutang_case).items()}
    data |= {"town": hutang_case.town_id, "responsible_person": "别人"}
    data["planned_completion"] = hutang_case.planned_completion.isoformat()
    for version in (None, "abc"):
        sent = {k: v for k, v in data.items() if k != "version"} | ({"version": version} if version else {})
        response = client.post(f"/cases/{hutang_case.pk}/edit/", sent)
        assert response.status_code == 400 and "请刷新页面后重新编辑" in response.content.decode(), version
    assert Case.objects.get(pk=hutang_case.pk).version == hutang_case.version
    response = client.post(f"/cases/{hutang_case.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Case.objects.get(pk=hutang_case.pk).responsible_person == "别人"


@pytest.mark.parametrize("field,value", [("listed_on", "0001-01-01"), ("planned_completion", "9999-12-31"),
                                         ("planned_completion", "0001-01-01")])  # fmt: skip
def test_a_date_in_an_absurd_year_is_refused_naming_the_field(alice, campaign, hutang_case, field, value):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.patch(f"/api/v1/cases/{hutang_case.pk}/", {"version": hutang_case.version, field: value},
                         format="json")  # fmt: skip
    assert response.status_code == 400 and "请检查年份" in str(response.json().get(field)), response.content


def test_a_reason_is_a_paragraph_not_a_document(alice, office, campaign, district):
    case = _closed_case(alice, district)
    with pytest.raises(ValidationFailed, match="说明不超过 1000 字"):
        services.transition_case(actor=office, case=case, action="reopen", note="复产" * 600)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_each_reason_box_says_which_step_it_belongs_to(client, alice, office, campaign, district):
    """The review's reasons are asked on its own form; the case page says who may fill it in (four eyes)."""
    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30),
                                                       "remediation_type": "shutdown"})  # fmt: skip
    case = walk_case(case, "awaiting_review")
    client.force_login(alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "填写现场审核记录" in page and "四眼原则" in page
    client.force_login(office)
    form = client.get(f"/remediation/cases/{case.pk}/review/{case.reviews.get().pk}/").content.decode()
    assert 'for="reasons"' in form and "结论和理由" in form and 'for="warnings_note"' in form
