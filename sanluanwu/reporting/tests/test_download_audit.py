"""Every reporting download is audited with what it is, its SHA-256 and the real number of table rows it holds
(附件2 rows, a summary's rows), or none for a document that is no table."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.test import Client

from conftest import make_case
from sanluanwu.audit.models import AuditEvent
from sanluanwu.reporting.tests.steps import slot_of


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _last_export() -> AuditEvent:
    return AuditEvent.objects.filter(action="registry.export.created").latest("id")


def _audited(response: Any, kind: str) -> dict[str, Any]:
    """The download's event: its kind and the file's SHA-256 as sent; the changes for the caller to check."""
    assert response.status_code == 200
    event = _last_export()
    assert event.changes["kind"] == [None, kind]
    assert event.changes["sha256"] == [None, hashlib.sha256(_content(response)).hexdigest()]
    return {name: pair[1] for name, pair in event.changes.items()}


def test_the_report_its_preview_and_the_district_workbook_record_their_real_row_counts(alice, office, summer,
                                                                                        district, travel):  # fmt: skip
    for name in ("张三塑料造粒作坊", "张三五金加工作坊"):
        make_case(alice, district["hutang"], name=name)
    make_case(office, district["niutang"], name="张三喷涂作坊")
    travel(dt.date(2020, 7, 14), 16)
    slot = slot_of(summer, dt.date(2020, 7, 14), district["hutang"])
    town = _client(alice)
    assert _audited(town.get(f"/reporting/slots/{slot.pk}/preview.xlsx"), "半月报表预览")["rows"] == 2
    town.post(f"/reporting/slots/{slot.pk}/", {"action": "submit", "filler": "a", "reviewer": "b",
                                               "phone": "0519-86310000"})  # fmt: skip
    report = slot.reports.get()
    assert _audited(town.get(f"/reporting/reports/{report.pk}/file/"), "半月报表")["rows"] == 2
    workbook = _audited(_client(office).get(f"/reporting/periods/{slot.period_id}/workbook.xlsx"), "全区汇总表")
    assert workbook["rows"] == 3  # 湖塘镇's two reported rows and 牛塘镇's one from the records
    assert workbook["unmasked"] is False


def test_the_summary_records_its_table_rows_and_a_document_records_none(alice, office, summer, district, travel):
    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 20))
    client = _client(office)
    xlsx = _audited(client.get(f"/reporting/summary.xlsx?campaign={summer.pk}"), "工作总结")
    docx = _audited(client.get(f"/reporting/summary.docx?campaign={summer.pk}"), "工作总结")
    assert xlsx["rows"] > 0 and docx["rows"] > 0
    draft = _audited(_client(alice).get("/reporting/briefs/draft.docx"), "工作简讯草稿")
    assert draft["rows"] is None
    assert not AuditEvent.objects.filter(action="registry.export.created", changes__rows=[None, 0]).exists()


def test_a_download_that_finds_no_turn_to_build_its_file_is_told_to_retry_and_records_nothing(
    alice, office, summer, district, travel, settings
):
    """Large files are built one at a time per server process (core.exporting.one_at_a_time): a download that waits
    past EXPORT_WAIT_SECONDS is a 503 in Chinese with Retry-After, on the page and the API, with no export event; once
    the turn is free the same download is served."""
    from rest_framework.test import APIClient

    from sanluanwu.core.exporting import _semaphore

    make_case(alice, district["hutang"])
    travel(dt.date(2020, 7, 14), 16)
    slot = slot_of(summer, dt.date(2020, 7, 14), district["hutang"])
    settings.EXPORT_WAIT_SECONDS = 0.05
    api = APIClient()
    api.force_authenticate(alice)
    before = AuditEvent.objects.filter(action="registry.export.created").count()
    turns = _semaphore()
    assert turns.acquire(timeout=1)  # another user's file is being built
    try:
        page = _client(office).get(f"/reporting/periods/{slot.period_id}/workbook.xlsx")
        assert page.status_code == 503 and page["Retry-After"] == "10"
        text = page.content.decode()
        assert "正在为其他用户生成大文件" in text and "没有生成文件" in text and "没有保存" not in text
        answer = api.get("/api/v1/cases/export/")
        assert answer.status_code == 503 and "重新下载" in answer.json()["detail"]
        assert _client(alice).get(f"/reporting/slots/{slot.pk}/preview.xlsx").status_code == 503
    finally:
        turns.release()
    assert AuditEvent.objects.filter(action="registry.export.created").count() == before
    _audited(_client(office).get(f"/reporting/periods/{slot.period_id}/workbook.xlsx"), "全区汇总表")
    assert api.get("/api/v1/cases/export/").status_code == 200
