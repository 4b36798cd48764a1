"""An import never does what the same user could not do on the page: the permission table and the workflow table
are asked for every row, a status change walks the workflow step by step, and 销号 is never a sheet's step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_case, walk_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core import clock
from sanluanwu.core.errors import PermissionDenied
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Case, CaseStatusChange

pytestmark = pytest.mark.usefixtures("in_2020")  # the sheets write 2020 dates


def _case(actor, district, **case):
    planned = clock.today() + dt.timedelta(days=30)
    return make_case(actor, district["hutang"], case={"planned_completion": planned, "responsible_person": "陈科长",
                                                      **case})  # fmt: skip


def _sheet_for(case, **kw):
    e = case.enterprise
    base = {"planned": case.planned_completion.isoformat(), "resp": "陈科长", "coords": "119.9650, 31.7250",
            "industry": e.industry, "address": e.address}  # fmt: skip
    return messy_xlsx([_row(1, e.name, e.legal_person, **{**base, **kw})])


def _preview(actor, data, unit):
    batch = upload_import(actor=actor, data=data, filename="湖塘镇.xlsx", kind="list", unit=unit)
    return preview_import(actor=actor, batch=batch)


@pytest.mark.parametrize("persona", ["ada", "leo", "dora", "uma"])
def test_a_read_only_or_inspector_account_cannot_import_a_sheet_at_all(request, persona, alice, campaign, district):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        upload_import(actor=user, data=messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")]), filename="a.xlsx",
                      kind="list", unit=district["hutang"])  # fmt: skip
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                                         "file": SimpleUploadedFile("a.xlsx", messy_xlsx([]))})  # fmt: skip
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_closing_a_case_is_never_possible_by_import_whoever_imports(office, alice, campaign, district):
    case = walk_case(_case(alice, district, remediation_type="shutdown"), "awaiting_review")
    for actor in (alice, office):
        batch = _preview(actor, _sheet_for(case, progress="已销号"), district["hutang"])
        assert batch.counts["error"] == 1, batch.preview
        message = batch.preview["errors"][0]["message"]
        assert "现场审核通过" in message and "须经现场审核" in message
    case.refresh_from_db()
    assert case.status == "awaiting_review"
    # A case further back (整改中, listed) gets the same error row: not a warning about the steps before the 销号.
    for stage, earlier, name in (
        ("half_done", "remediating", "李四塑料造粒作坊"),
        ("listed", "listed", "王五塑料造粒作坊"),
    ):
        other = make_case(alice, district["hutang"], name=name, legal_person=name[:2], case={
            "planned_completion": clock.today() + dt.timedelta(days=30), "responsible_person": "陈科长",
            "remediation_type": "shutdown"})  # fmt: skip
        other = walk_case(other, stage)
        batch = _preview(alice, _sheet_for(other, progress="已销号"), district["hutang"])
        assert batch.counts["error"] == 1 and "须经现场审核" in batch.preview["errors"][0]["message"], batch.preview
        other.refresh_from_db()
        assert other.status == earlier


def test_a_sheet_that_says_a_step_happened_keeps_the_status_and_says_where_the_step_is_done(alice, campaign, district):
    """Each step of the remediation needs its record (the stop, the confirmed type, the review): a sheet never takes
    one. The row still imports, and the preview says what the system holds and where the step is done."""
    case = _case(alice, district, remediation_type="shutdown")
    batch = _preview(alice, _sheet_for(case, progress="待现场审核"), district["hutang"])
    assert batch.counts["error"] == 0, batch.preview["errors"]
    shown = " ".join(w for r in batch.preview["rows"] for w in r["warnings"])
    assert "系统中为“已列入名单”" in shown and "登记停产记录" in shown
    confirm_import(actor=alice, batch=batch)
    case.refresh_from_db()
    assert case.status == "listed"
    assert not CaseStatusChange.objects.filter(case=case).exists()


def test_a_step_that_needs_a_record_is_named_with_where_it_is_done(alice, campaign, district):
    case = walk_case(_case(alice, district, remediation_type=""), "stopped")
    batch = _preview(alice, _sheet_for(case, progress="整治中", rtype=""), district["hutang"])
    shown = " ".join(w for r in batch.preview["rows"] for w in r["warnings"])
    assert "牵头部门" in shown and "系统中为“已停产”" in shown


def test_every_row_is_checked_against_the_permission_table_in_its_town(ada, alice, campaign, district):
    """The planning itself refuses what the actor's role may not do there (an inspector may only confirm the stop)."""
    from sanluanwu.accounts.scope import scope_for
    from sanluanwu.registry import bulk, cells

    case = _case(alice, district)
    ctx = bulk.Context(scope=scope_for(ada), towns=[district["hutang"]], unit=district["hutang"],
                       campaign=case.campaign, today=clock.today(), district_boundary=None)  # fmt: skip
    stop = cells.Progress("stopped", None, "")
    decision = bulk.plan_case_row(ctx, {"name": case.enterprise.name, "progress": stop}, row=5)
    assert decision.outcome == "unchanged" and decision.steps == ()  # the stop is a record, not a sheet's word
    assert any("登记停产记录" in w for w in decision.warnings)
    ctx.seen.clear()
    edit = bulk.plan_case_row(ctx, {"name": case.enterprise.name, "responsible_person": "别人"}, row=6)
    assert edit.outcome == "error" and any("不能修改整治对象" in m for _k, m in edit.errors)
    ctx.seen.clear()
    further = bulk.plan_case_row(ctx, {"name": case.enterprise.name, "progress": cells.Progress("remediating", None, ""),
                                       "responsible_person": "别人"}, row=7)  # fmt: skip
    assert any("不能修改整治对象" in m for _k, m in further.errors)
    ctx.seen.clear()
    new = bulk.plan_case_row(ctx, {"name": "赵六石材加工作坊", "town": district["hutang"]}, row=8)
    assert any("不能将企业列入动态管理整治名单" in m for _k, m in new.errors)


def test_a_closed_case_is_not_changed_by_a_sheet(office, alice, campaign, district):
    case = walk_case(_case(alice, district, remediation_type="shutdown"), "closed")
    closed = f"已销号（{case.closed_on:%Y-%m-%d}）"
    same = _preview(alice, _sheet_for(case, progress=closed), district["hutang"])
    assert same.counts["unchanged"] == 1, same.preview  # the export of a closed case imports back unchanged
    changed = _preview(alice, _sheet_for(case, progress=closed, resp="别人"), district["hutang"])
    assert "已销号，不能通过导入修改" in changed.preview["errors"][0]["message"]


def test_a_new_row_needs_what_the_form_needs(alice, campaign, district):
    batch = _preview(alice, messy_xlsx([_row(1, "张三塑料造粒作坊", "张三", coords="")]), district["hutang"])
    assert batch.preview["errors"][0]["message"].startswith("请填写经纬度")


def test_an_imports_audit_events_have_the_shape_the_audit_app_gives_one_event(alice, campaign, district):
    batch = _preview(alice, messy_xlsx([_row(1, "张三塑料造粒作坊", "张三")]), district["hutang"])
    confirm_import(actor=alice, batch=batch)
    by_form = AuditEvent.objects.get(action="imports.batch.uploaded")
    for event in AuditEvent.objects.filter(action__in=["imports.case.created", "imports.enterprise.created"]):
        for name in ("actor_id", "actor_username", "actor_name", "org_unit_name", "request_id", "result"):
            assert getattr(event, name) == getattr(by_form, name) or name == "request_id", name
        assert event.note.startswith(f"导入批次 #{batch.pk} 第 ")
    assert type(batch).objects.get(pk=batch.pk).status == BatchStatus.APPLIED


def test_a_phone_typed_into_a_name_industry_or_village_is_refused_on_the_page_in_the_api_and_in_a_sheet(alice,
                                                                                                        campaign,
                                                                                                        district):  # fmt: skip
    """These columns are shown in clear to every party (a utility's task page too): a number there reached the power
    company whole. One rule (registry.validation.NO_NUMBER_TEXTS) for the form, the API and the import."""
    from rest_framework.test import APIClient

    from sanluanwu.registry.tests.test_api import _payload

    api = APIClient()
    api.force_authenticate(alice)
    for field, value in (("name", "湖塘13812345678塑料制品厂"), ("industry", "塑料 13122223333"),
                         ("village", "三勤村0519-86381906")):  # fmt: skip
        response = api.post("/api/v1/cases/", _payload(district, **{field: value}), format="json")
        assert response.status_code == 400, (field, response.content.decode()[:300])
        assert "不能含有电话号码或身份证号" in response.json()[field][0]
    assert not Case.objects.exists()
    # An ordinary number stays: a house number, a year, a short code.
    ok = api.post("/api/v1/cases/", _payload(district, name="张三2019塑料造粒作坊", village="三勤村8组",
                                             acknowledge_warnings=True), format="json")  # fmt: skip
    assert ok.status_code == 201, ok.content.decode()[:300]
    batch = _preview(alice, messy_xlsx([_row(1, "李四13812345678塑料造粒作坊", "李四")]), district["hutang"])
    assert batch.counts["error"] == 1
    error = batch.preview["errors"][0]
    assert "企业名称中不能含有电话号码或身份证号" in error["message"] and "13812345678" not in error["message"]
