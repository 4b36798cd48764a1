"""The value synonyms an import reads are reference data: changed in the admin one at a time, each checked against the
values its column takes and audited."""

from __future__ import annotations

from sanluanwu.accounts.tests.adminforms import form_values
from sanluanwu.audit.models import AuditEvent
from sanluanwu.imports.models import ValueSynonym

ADD = "/admin/imports/valuesynonym/add/"


def test_a_synonym_added_in_the_admin_is_audited(client, sysadmin):
    client.force_login(sysadmin)
    data = form_values(client, ADD) | {"field": "remediation_type", "text": "整治提升", "value": "rectification"}
    assert client.post(ADD, data).status_code == 302
    synonym = ValueSynonym.objects.get(text="整治提升")
    event = AuditEvent.objects.get(action="imports.value_synonym.created")
    assert event.object_id == str(synonym.pk) and event.changes["value"] == [None, "rectification"]
    assert str(synonym) == "整治类型：整治提升 → 治理改造"


def test_a_synonym_for_a_value_its_column_does_not_take_is_refused(client, sysadmin):
    client.force_login(sysadmin)
    # An unknown value is not among the choices; a value of another column is refused by the synonym's own rule.
    for value, said in (("bogus_value", "选择一个有效的选项"), ("licensed", "“整治类型”只能对应：")):
        data = form_values(client, ADD) | {"field": "remediation_type", "text": "攻击测试写法", "value": value}
        response = client.post(ADD, data)
        assert response.status_code == 200 and said in response.content.decode(), value
    assert not ValueSynonym.objects.exists() and not AuditEvent.objects.exists()


def test_synonyms_are_deleted_one_at_a_time_and_each_deletion_is_audited(client, sysadmin):
    synonym = ValueSynonym.objects.create(field="licence_status", text="有照", value="licensed")
    client.force_login(sysadmin)
    listing = client.get("/admin/imports/valuesynonym/").content.decode()
    assert "delete_selected" not in listing
    url = f"/admin/imports/valuesynonym/{synonym.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ValueSynonym.objects.exists()
    event = AuditEvent.objects.get(action="imports.value_synonym.deleted")
    assert event.changes == {"field": ["licence_status", None], "text": ["有照", None], "value": ["licensed", None]}


def test_a_synonym_of_only_control_characters_or_a_values_own_name_for_another_value_is_refused_on_the_form(
    client, sysadmin
):
    client.force_login(sysadmin)
    for text, value, said in (("\x01", "rectification", "请填写表中写法"), ("\u202e", "rectification", "请填写表中写法"),
                              ("\x01\x02\x1b", "shutdown", "请填写表中写法"),
                              ("关停取缔", "rectification", "是“整治类型”的标准取值“关停取缔”")):  # fmt: skip
        data = form_values(client, ADD) | {"field": "remediation_type", "text": text, "value": value}
        response = client.post(ADD, data)
        assert response.status_code == 200 and said in response.content.decode(), text
    assert not ValueSynonym.objects.exists() and not AuditEvent.objects.exists()
    # Control characters around a real word are removed and the word kept.
    data = form_values(client, ADD) | {
        "field": "remediation_type",
        "text": "\x01整治提升\u202e",
        "value": "rectification",
    }
    assert client.post(ADD, data).status_code == 302
    assert ValueSynonym.objects.get().text == "整治提升"
