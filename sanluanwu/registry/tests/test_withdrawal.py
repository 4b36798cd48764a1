"""A case listed by mistake (误列) is withdrawn with a reason, never deleted: audited, off lists, counts, exports and
figures, visible to the office through the status filter, read-only, and restored by the office admin with a reason."""

from __future__ import annotations

import re

import pytest

from conftest import make_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.registry import services
from sanluanwu.registry.models import Case, CaseStatusChange, Enterprise


def withdraw(actor, case, note="重复登记，误列"):
    return services.transition_case(actor=actor, case=case, action="withdraw", note=note)


def test_a_town_manager_withdraws_a_case_listed_by_mistake_with_a_reason_and_it_is_audited(alice, hutang_case):
    case = withdraw(alice, hutang_case)
    assert case.status == "withdrawn"
    assert Case.objects.filter(pk=case.pk).exists() and Enterprise.objects.filter(pk=case.enterprise_id).exists()
    event = AuditEvent.objects.filter(action="registry.case.withdrawn").get()
    assert event.actor_id == alice.pk and "重复登记，误列" in event.note
    assert CaseStatusChange.objects.filter(case=case, from_status="listed", to_status="withdrawn").count() == 1


def test_a_withdrawal_needs_a_reason(alice, hutang_case):
    with pytest.raises(ValidationFailed):
        withdraw(alice, hutang_case, note="  ")
    hutang_case.refresh_from_db()
    assert hutang_case.status == "listed"


@pytest.mark.parametrize("note", ["\u200b", "\u200b\u200b", "x", ".", "1", "？！", "误"])
def test_a_withdrawal_reason_that_says_nothing_is_refused_naming_the_rule(alice, hutang_case, note):
    """An invisible character or one letter took a case off every list and count, the history reading "撤销（误列）："."""
    with pytest.raises(ValidationFailed) as refused:
        withdraw(alice, hutang_case, note=note)
    assert "至少2个字" in refused.value.errors["note"][0]
    hutang_case.refresh_from_db()
    assert hutang_case.status == "listed"
    assert withdraw(alice, hutang_case, note="误列").status == "withdrawn"


def test_every_records_withdrawal_reason_says_something():
    from sanluanwu.core.withdrawal import clean_reason

    for reason in ("\u200b", "x", "1.", "\u200bx"):
        with pytest.raises(ValidationFailed) as refused:
            clean_reason(reason)
        assert refused.value.errors["reason"] == ["撤回理由至少2个字，请写明原因（如：重复录入）"]
    with pytest.raises(ValidationFailed, match="恢复理由至少2个字"):
        clean_reason("x", restoring=True)
    assert clean_reason("传错") == "传错"


def test_an_inspector_a_leader_and_another_town_cannot_withdraw(ada, leo, bob, hutang_case):
    for user in (ada, leo, bob):
        with pytest.raises(PermissionDenied):
            withdraw(user, hutang_case)


def test_only_a_case_still_listed_can_be_withdrawn(alice, campaign, district):
    from conftest import walk_case

    case = walk_case(make_case(alice, district["hutang"]), "stopped")
    with pytest.raises(TransitionNotAllowed):
        withdraw(alice, case)


def test_only_the_office_admin_restores_a_withdrawn_case_with_a_reason(alice, office, hutang_case):
    case = withdraw(alice, hutang_case)
    with pytest.raises(PermissionDenied):
        services.transition_case(actor=alice, case=case, action="restore", note="确属散乱污")
    with pytest.raises(ValidationFailed):
        services.transition_case(actor=office, case=case, action="restore")
    case = services.transition_case(actor=office, case=case, action="restore", note="确属散乱污")
    assert case.status == "listed"
    assert AuditEvent.objects.filter(action="registry.case.restored", actor=office).count() == 1


def test_a_withdrawn_case_cannot_be_edited(alice, hutang_case):
    from conftest import case_input, enterprise_input

    case = withdraw(alice, hutang_case)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.update_case(actor=alice, case=case, enterprise_data=enterprise_input(case.town),
                             case_data=case_input(responsible_person="王五"))  # fmt: skip
    assert "已撤销" in str(exc.value)


def test_a_withdrawn_case_is_off_the_list_and_the_api_but_the_office_finds_it_with_the_filter(
    client, alice, office, hutang_case, niutang_case
):
    withdraw(alice, hutang_case)
    client.force_login(office)
    page = client.get("/cases/")
    assert page.status_code == 200
    assert "张三塑料造粒作坊" not in page.content.decode() and "王五木材加工作坊" in page.content.decode()
    found = client.get("/cases/?status=withdrawn")
    assert "张三塑料造粒作坊" in found.content.decode() and "王五木材加工作坊" not in found.content.decode()
    api = client.get("/api/v1/cases/").json()
    assert [c["id"] for c in api["results"]] == [niutang_case.pk]
    assert [c["id"] for c in client.get("/api/v1/cases/?status=withdrawn").json()["results"]] == [hutang_case.pk]
    # The record itself stays readable (its page shows the restore button to the office admin).
    detail = client.get(f"/cases/{hutang_case.pk}/").content.decode()
    assert "已撤销（误列）" in detail and "恢复（撤回撤销）" in detail


def test_the_case_page_offers_the_town_manager_the_withdrawal_and_it_works(client, alice, hutang_case):
    client.force_login(alice)
    assert "撤销（误列）" in client.get(f"/cases/{hutang_case.pk}/").content.decode()
    response = client.post(f"/cases/{hutang_case.pk}/transition/", {"action": "withdraw", "note": "同一企业重复列入"})
    assert response.status_code == 302
    hutang_case.refresh_from_db()
    assert hutang_case.status == "withdrawn"
    assert "张三塑料造粒作坊" not in client.get("/cases/").content.decode()


def test_the_case_pages_withdrawal_is_a_second_step_behind_a_closed_disclosure_like_every_other_withdrawal(
    client, alice, hutang_case
):
    client.force_login(alice)
    page = client.get(f"/cases/{hutang_case.pk}/").content.decode()
    disclosures = re.findall(r'<details class="withdrawal"[^>]*>(.*?)</details>', page, flags=re.S)
    assert len(disclosures) == 1 and "<summary>撤销（误列）</summary>" in disclosures[0]
    assert 'name="action" value="withdraw"' in disclosures[0] and "撤销不是删除" in disclosures[0]
    outside = re.sub(r'<details class="withdrawal".*?</details>', "", page, flags=re.S)
    assert 'value="withdraw"' not in outside  # no button withdraws the case in one click
    assert not re.search(r'<details class="withdrawal"[^>]*\bopen\b', page)


def test_figures_leave_a_withdrawn_case_out_on_every_day_and_count_it_again_once_restored(
    alice, office, hutang_case, niutang_case, campaign
):
    from sanluanwu.reporting.figures import case_states

    today = clock.today()
    assert {s.case_id for s in case_states(campaign, today)} == {hutang_case.pk, niutang_case.pk}
    withdraw(alice, hutang_case)
    assert {s.case_id for s in case_states(campaign, today)} == {niutang_case.pk}
    services.transition_case(actor=office, case=hutang_case, action="restore", note="确属散乱污")
    states = {s.case_id: s.status for s in case_states(campaign, today)}
    assert states == {hutang_case.pk: "listed", niutang_case.pk: "listed"}


def test_the_attachment2_export_leaves_a_withdrawn_case_out(client, alice, hutang_case, niutang_case, office):
    import io

    from openpyxl import load_workbook

    withdraw(alice, hutang_case)
    client.force_login(office)
    for query in ("", f"?as_of={clock.today():%Y-%m-%d}"):
        response = client.get(f"/cases/export/{query}")
        assert response.status_code == 200
        text = " ".join(str(c.value) for row in load_workbook(io.BytesIO(b"".join(response.streaming_content
                        if response.streaming else [response.content]))).active.iter_rows() for c in row)  # fmt: skip
        assert "王五木材加工作坊" in text and "张三塑料造粒作坊" not in text


def test_a_sheet_cannot_change_a_withdrawn_case(alice, hutang_case, district):
    from sanluanwu.imports.services import preview_import, upload_import
    from sanluanwu.imports.tests.sheets import csv_bytes

    withdraw(alice, hutang_case)
    e = hutang_case.enterprise
    row = ["1", e.name, e.industry, e.address, "", e.legal_person, "第一类", "未办理", "废水直排", "", "", "关停取缔",
           "", "已停产", "李四"]  # fmt: skip
    batch = upload_import(actor=alice, data=csv_bytes([row]), filename="名单.csv", kind="list", unit=district["hutang"])
    batch = preview_import(actor=alice, batch=batch)
    assert batch.counts["error"] == 1, batch.preview
    assert "已撤销（误列）" in batch.preview["errors"][0]["message"]
