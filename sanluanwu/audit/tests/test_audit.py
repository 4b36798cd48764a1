from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from conftest import case_input, enterprise_input, make_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.registry import services


def test_creating_a_case_writes_one_event_per_object_with_every_field(alice, campaign, district):
    case = make_case(alice, district["hutang"])
    created = AuditEvent.objects.filter(action="registry.case.created", object_id=str(case.pk)).get()
    assert created.actor_username == "alice" and created.org_unit_name == "湖塘"
    assert created.changes["lookback_category"] == [None, 1]
    assert created.request_id
    enterprise_event = AuditEvent.objects.get(action="registry.enterprise.created", object_id=str(case.enterprise_id))
    assert enterprise_event.changes["name"] == [None, "张三塑料造粒作坊"]


def test_an_edit_records_old_and_new_values_of_changed_fields_only(alice, hutang_case, district):
    services.update_case(
        actor=alice,
        case=hutang_case,
        enterprise_data=enterprise_input(district["hutang"], address="湖塘镇新华村人民路2号"),
        case_data=case_input(responsible_person="赵六", planned_completion=hutang_case.planned_completion),
    )
    case_event = AuditEvent.objects.get(action="registry.case.updated")
    assert case_event.changes == {"responsible_person": ["李四", "赵六"]}
    ent_event = AuditEvent.objects.get(action="registry.enterprise.updated")
    assert ent_event.changes == {"address": ["湖塘镇新华村人民路1号", "湖塘镇新华村人民路2号"]}


def test_a_transition_is_audited_with_old_and_new_status(alice, hutang_case):
    from sanluanwu.remediation import services as remediation

    remediation.record_stop(actor=alice, case=hutang_case, stopped_on=hutang_case.listed_on,
                            document_no="湖停字〔2020〕1号", note="已断水断电")  # fmt: skip
    event = AuditEvent.objects.get(action="registry.case.transitioned")
    assert event.changes["status"] == ["listed", "stopped"]
    assert "停产日期" in event.note
    assert "已断水断电" in AuditEvent.objects.get(action="remediation.stop.recorded").note


def test_a_refused_write_leaves_no_event(alice, campaign, district):
    from sanluanwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        make_case(alice, district["hutang"], coordinates="121.47, 31.23")
    assert not AuditEvent.objects.exists()


def test_a_failing_audit_write_rolls_the_change_back(alice, campaign, district, monkeypatch):
    from sanluanwu.registry.models import Case

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("sanluanwu.registry.services.record_event", broken)
    with pytest.raises(RuntimeError):
        make_case(alice, district["hutang"])
    assert not Case.objects.exists()


def test_audit_events_cannot_be_changed_through_the_orm(hutang_case):
    event = AuditEvent.objects.first()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.all().update(note="x")
    with pytest.raises(RuntimeError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET note = 'forged'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_raw_updates_and_deletes(hutang_case, statement):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(note="forged").count() == 0


def test_the_detail_page_shows_the_timeline_with_old_and_new(alice, hutang_case, district, client):
    services.update_case(
        actor=alice,
        case=hutang_case,
        enterprise_data=enterprise_input(district["hutang"]),
        case_data=case_input(responsible_person="赵六", planned_completion=hutang_case.planned_completion),
    )
    client.force_login(alice)
    body = client.get(f"/cases/{hutang_case.pk}/").content.decode()
    assert "修改整治信息" in body and "责任人" in body and "李四" in body and "赵六" in body


def test_the_actors_units_come_from_the_hook_accounts_registered(alice, district, monkeypatch):
    from sanluanwu.audit import actors
    from sanluanwu.audit.services import record_event

    with transaction.atomic():
        assert record_event(actor=alice, action="accounts.user.updated", obj=alice).org_unit_name == "湖塘"
    monkeypatch.setattr(actors, "_actor_units", [lambda actor: ["甲单位", "乙单位"]])
    with transaction.atomic():
        assert record_event(actor=alice, action="accounts.user.updated", obj=alice).org_unit_name == "甲单位、乙单位"
    monkeypatch.setattr(actors, "_actor_units", [])
    with transaction.atomic():
        assert record_event(actor=alice, action="accounts.user.updated", obj=alice).org_unit_name == ""


def test_an_audit_row_cannot_be_rewritten_by_insert_or_replace(hutang_case):
    """SQLite's INSERT OR REPLACE deletes the old row without firing delete triggers; PostgreSQL's upsert updates it.
    Either way the database refuses, and the event reads as it was written."""
    event = AuditEvent.objects.filter(object_id=str(hutang_case.pk)).order_by("id").first()
    columns = ("id, occurred_at, actor_username, actor_name, org_unit_name, action, object_type, object_id, "
               "object_repr, changes, note, request_id, ip, result")  # fmt: skip
    values = (event.pk, event.occurred_at, "forger", "", "", "registry.case.created", event.object_type,
              event.object_id, "改写", "{}", "", "", "", "success")  # fmt: skip
    marks = ", ".join(["%s"] * len(values))
    if connection.vendor == "sqlite":
        statement = f"INSERT OR REPLACE INTO audit_auditevent ({columns}) VALUES ({marks})"
    else:
        statement = (f"INSERT INTO audit_auditevent ({columns}) VALUES ({marks}) "
                     "ON CONFLICT (id) DO UPDATE SET actor_username = EXCLUDED.actor_username")  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, values)
    assert AuditEvent.objects.get(pk=event.pk).actor_username == event.actor_username


def test_nothing_a_logged_in_user_was_shown_is_kept_in_a_cache(client, alice, hutang_case):
    client.force_login(alice)
    for url in ("/cases/", f"/cases/{hutang_case.pk}/", "/api/v1/cases/", "/cases/export/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store, private", url
    client.logout()
    for url in ("/admin/", "/admin/logout/"):  # the admin's redirect to its login, its logout's refusal of a GET
        response = client.get(url)
        assert response.status_code in (302, 405) and response["Cache-Control"] == "no-store, private", url


def test_the_timeline_reads_each_change_as_its_label_and_the_old_and_new_values_users_read():
    from types import SimpleNamespace

    from sanluanwu.audit.templatetags.audit_tags import change_rows

    event = SimpleNamespace(object_type="registry.case", changes={
        "remediation_type": [None, "shutdown"], "responsible_person": ["李四", "赵六"], "odd": "x"})  # fmt: skip
    assert change_rows(event) == [
        ("整治类型", "（空）", "关停取缔"),
        ("责任人", "李四", "赵六"),
        ("odd", "x", "（空）"),
    ]
    phone = change_rows(SimpleNamespace(object_type="registry.enterprise", changes={"phone": ["13812345678", ""]}))
    assert phone == [("联系电话", "138****5678", "（空）")]
    assert change_rows(SimpleNamespace(object_type="registry.case", changes=["not", "a", "dict"])) == []
