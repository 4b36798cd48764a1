from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sanluanwu.imports.models import ImportBatch
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")  # the sheets write 2020 dates (填报日期：2020年7月15日)

ROW = [1, "张三塑料造粒作坊", "塑料造粒", "湖塘镇新华村1号", "119.965, 31.725", "张三", "第一类", "无", "废气直排", "",
       "", "关停", "12月底", "", "陈科长"]  # fmt: skip
BAD = [2, "湖塘塑料厂", "塑料造粒", "湖塘镇新华村2号", "119.975, 31.725", "李四", "1", "无", "", "", "", "关停",
       "12月底", "", "陈科长"]  # fmt: skip


def test_upload_preview_and_confirm_through_the_pages(client, alice, campaign, district):
    client.force_login(alice)
    upload = SimpleUploadedFile("湖塘镇附件2.xlsx", messy_xlsx([ROW, BAD]))
    response = client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "file": upload,
                                         "coord_datum": "wgs84"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "新增" in page and "第 7 行" in page and "负责人姓名+经营内容+作坊" in page and "12月底 →" in page
    batch = ImportBatch.objects.get()
    assert not Case.objects.exists()
    client.post(f"/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == "applied" and Case.objects.count() == 1


def test_the_original_file_downloads_unchanged(client, alice, campaign, district):
    client.force_login(alice)
    data = messy_xlsx([ROW])
    client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "file": SimpleUploadedFile("a.xlsx", data),
                              "coord_datum": "wgs84"})  # fmt: skip
    batch = ImportBatch.objects.get()
    assert client.get(f"/imports/{batch.pk}/file/").content == data


def test_an_original_is_served_as_the_kind_of_sheet_its_bytes_are(client, alice, campaign, district):
    client.force_login(alice)
    for name, data in [("a.xlsx", messy_xlsx([ROW])), ("b.csv", "序号,企业名称\n1,张三作坊\n".encode("gbk"))]:
        client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "file": SimpleUploadedFile(name, data),
                                  "coord_datum": "wgs84"})  # fmt: skip
    types = {}
    for batch in ImportBatch.objects.all():
        response = client.get(f"/imports/{batch.pk}/file/")
        types[batch.filename] = response["Content-Type"]
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert types == {"a.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "b.csv": "text/csv"}


def test_a_town_user_can_only_import_into_own_town(client, alice, campaign, district):
    client.force_login(alice)
    response = client.post("/imports/", {"kind": "list", "unit": district["niutang"].pk, "coord_datum": "wgs84",
                                         "file": SimpleUploadedFile("a.xlsx", messy_xlsx([ROW]))})  # fmt: skip
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_a_leader_cannot_upload(client, leo, campaign):
    client.force_login(leo)
    response = client.post("/imports/", {"kind": "list", "coord_datum": "wgs84",
                                         "file": SimpleUploadedFile("a.xlsx", messy_xlsx([ROW]))})  # fmt: skip
    assert response.status_code == 403


def test_the_api_uploads_previews_and_confirms(alice, campaign, district):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.xlsx", messy_xlsx([ROW, BAD])), "kind": "list",
                                             "unit": district["hutang"].pk}, format="multipart")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["counts"]["new"] == 1 and body["counts"]["error"] == 1
    error = body["preview"]["errors"][0]
    assert (error["row"], error["column"]) == (7, "企业名称")
    confirmed = api.post(f"/api/v1/imports/{body['id']}/confirm/", {"all_or_nothing": False}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "applied"
    assert Case.objects.count() == 1


def test_a_large_file_is_previewed_and_applied_by_the_job_worker(client, alice, campaign, district, settings,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from sanluanwu.imports import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [[i, f"张{i}塑料造粒作坊", "塑料造粒", f"湖塘镇新华村{i}号", f"119.{9400 + i % 500}, 31.7{i % 60:02d}",
             f"张{i}", "1", "无", "废气", "", "", "关停", "12月底", "", "陈"] for i in range(1, 301)]  # fmt: skip
    data = messy_xlsx(rows)
    settings_threshold = services.BACKGROUND_BYTES
    services.BACKGROUND_BYTES = 1000  # this file counts as large
    try:
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                                                 "file": SimpleUploadedFile("big.xlsx", data)})  # fmt: skip
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and batch.status == "previewed", batch.message
        assert batch.counts["new"] == 300, batch.preview["errors"][:3]
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{batch.pk}/confirm/")
        batch.refresh_from_db()
        assert batch.status == "applied" and batch.progress == 100
        assert Case.objects.count() == 300
    finally:
        services.BACKGROUND_BYTES = settings_threshold


def test_a_running_import_page_refreshes_itself_and_shows_progress(client, alice, campaign, district):
    from sanluanwu.imports.services import upload_import

    batch = upload_import(actor=alice, data=messy_xlsx([ROW]), filename="a.xlsx", kind="list", unit=district["hutang"])
    from sanluanwu.core import clock

    # The job worker is reading it and reported a moment ago.
    ImportBatch.objects.filter(pk=batch.pk).update(status="previewing", progress=30, heartbeat_at=clock.now())
    client.force_login(alice)
    html = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in html and '<progress max="100" value="30">' in html


def test_while_a_batch_is_worked_on_its_page_and_a_status_poll_leave_the_rows_unread_and_show_them_when_done(
    client, alice, campaign, district
):
    """The page refreshes every 2 s while an import runs and a client polls ?preview=0: neither reads the preview's
    or the result's rows (3,000 each, a megabyte: 150 ms of CPU a refresh, 39 ms a poll, every other page slower)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanluanwu.core import clock
    from sanluanwu.imports.services import preview_import, upload_import

    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=messy_xlsx([ROW, BAD]),
                                                            filename="a.xlsx", kind="list", unit=district["hutang"]))  # fmt: skip
    client.force_login(alice)
    api = APIClient()
    api.force_authenticate(alice)
    previewed = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="rows"' in previewed and "张三塑料造粒作坊" in previewed

    def columns_read(get):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            answer = get()
        selects = [q["sql"] for q in queries.captured_queries if "imports_importbatch" in q["sql"]]
        return answer, any('"preview"' in sql or '"result"' in sql for sql in selects)

    # The job worker is confirming it and reported a moment ago.
    ImportBatch.objects.filter(pk=batch.pk).update(status="applying", step="confirm", progress=40,
                                                   heartbeat_at=clock.now())  # fmt: skip
    page, rows_read = columns_read(lambda: client.get(f"/imports/{batch.pk}/"))
    html = page.content.decode()
    assert page.status_code == 200 and not rows_read
    assert '<progress max="100" value="40">' in html and "处理完成后显示逐行结果" in html and 'id="rows"' not in html
    poll, rows_read = columns_read(lambda: api.get(f"/api/v1/imports/{batch.pk}/?preview=0"))
    assert poll.status_code == 200 and poll.json()["status"] == "applying" and "preview" not in poll.json()
    assert not rows_read
    full = api.get(f"/api/v1/imports/{batch.pk}/").json()  # the whole batch still answers with its rows
    assert [r["outcome"] for r in full["preview"]["rows"]] == [r["outcome"] for r in batch.preview["rows"]]
    # Done: the rows are there again, read once it is no longer worked on.
    ImportBatch.objects.filter(pk=batch.pk).update(status="previewed", step="preview", progress=100)
    assert 'id="rows"' in client.get(f"/imports/{batch.pk}/").content.decode()


def test_while_a_background_confirm_writes_its_rows_the_page_says_so_instead_of_a_bar_standing_still(
    client, alice, campaign, district, monkeypatch
):
    from sanluanwu.imports import services
    from sanluanwu.imports.services import preview_import, upload_import

    batch = preview_import(actor=alice, batch=upload_import(actor=alice, data=messy_xlsx([ROW]), filename="a.xlsx",
                                                            kind="list", unit=district["hutang"]))  # fmt: skip
    client.force_login(alice)
    seen: list[str] = []
    apply_plan = services.importer.apply_plan

    def writing(plan, **kwargs):  # type: ignore[no-untyped-def]
        # What the page shows at this moment (the job worker's confirm, its rows about to be written).
        seen.append(client.get(f"/imports/{batch.pk}/").content.decode())
        return apply_plan(plan, **kwargs)

    monkeypatch.setattr(services.importer, "apply_plan", writing)
    services.queue(actor=alice, batch=batch, step="confirm")
    services.start(actor=alice, batch=batch)
    services.confirm_import(actor=alice, batch=batch, by_worker=True)  # as the job worker's _run calls it
    assert batch.status == "applied"
    assert "正在写入数据库" in seen[0] and '<progress max="100">正在写入</progress>' in seen[0]


def test_a_client_polls_a_batchs_status_without_its_preview_and_the_list_carries_none(alice, bob, campaign, district):
    api = APIClient()
    api.force_authenticate(alice)
    created = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.xlsx", messy_xlsx([ROW, BAD])), "kind": "list",
                                            "unit": district["hutang"].pk}, format="multipart").json()  # fmt: skip
    url = f"/api/v1/imports/{created['id']}/"
    status = api.get(url, {"preview": "0"}).json()
    assert status["status"] == created["status"] and status["counts"] == created["counts"]
    assert "preview" not in status and "result" not in status
    assert api.get(url).json()["preview"]["errors"]  # the preview, once it is wanted
    assert api.get(url, {"preview": "x"}).status_code == 400
    # Another town's batch is not found, whatever the query: the batch is looked up before the query is checked.
    other = APIClient()
    other.force_authenticate(bob)
    assert other.get(url, {"preview": "x"}).status_code == 404 and other.get(url).status_code == 404
    listed = api.get("/api/v1/imports/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows and all("preview" not in r for r in rows)


def test_a_json_body_sent_to_the_upload_is_told_that_the_upload_takes_a_file_form(alice, campaign, district):
    api = APIClient()
    api.force_authenticate(alice)
    refused = api.post("/api/v1/imports/", {"kind": "list", "unit": district["hutang"].pk}, format="json")
    assert refused.status_code == 415
    assert refused.json() == {"detail": "不支持的请求内容类型：本接口只接受文件上传表单（multipart/form-data）、"
                                        "表单（application/x-www-form-urlencoded）", "code": "unsupported_media_type"}  # fmt: skip
    # An endpoint that takes JSON names it.
    created = api.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.xlsx", messy_xlsx([ROW])), "kind": "list",
                                            "unit": district["hutang"].pk}, format="multipart").json()  # fmt: skip
    plain = api.post(f"/api/v1/imports/{created['id']}/confirm/", "x", content_type="text/plain")
    assert plain.status_code == 415 and "JSON（application/json）" in plain.json()["detail"]


def test_a_unit_given_as_words_is_told_to_be_a_number_and_an_unknown_one_not_found(alice, campaign, district):
    from django.core.files.uploadedfile import SimpleUploadedFile as Upload

    api = APIClient()
    api.force_authenticate(alice)
    for unit, words in (("abc", "应填写编号（正整数）"), ("999999", "编号为 999999 的记录不存在或不在您的管辖范围内")):
        answer = api.post("/api/v1/imports/", {"file": Upload("a.xlsx", messy_xlsx([ROW])), "kind": "list",
                                                "unit": unit}, format="multipart")  # fmt: skip
        assert answer.status_code == 400 and answer.json()["unit"] == [words], answer.json()


def test_a_role_that_may_not_upload_is_told_so_on_the_import_page(client, ada, alice, campaign, district):
    """The town's inspector opens 表格导入 from the menu: it lists the town's batches and says it cannot upload,
    instead of an empty page with no upload form and no reason (helper-36)."""
    client.force_login(ada)
    page = client.get("/imports/").content.decode()
    assert 'id="upload-form"' not in page and 'id="upload-denied"' in page and "不能" in page
    client.force_login(alice)
    page = client.get("/imports/").content.decode()
    assert 'id="upload-form"' in page and 'id="upload-denied"' not in page


def test_a_sheet_that_changes_nothing_says_so_beside_the_confirm_and_counts_its_unchanged_rows(
    client, alice, campaign, district
):  # fmt: skip
    """A town uploads again the sheet it imported: every row 未变. The page said 0 新增 0 变更 and listed no row, with
    the confirm button on as for any other sheet (helper-36)."""
    from sanluanwu.imports.services import confirm_import, preview_import, upload_import

    def uploaded():  # type: ignore[no-untyped-def]
        batch = upload_import(actor=alice, data=messy_xlsx([ROW]), filename="a.xlsx", kind="list",
                              unit=district["hutang"])  # fmt: skip
        return preview_import(actor=alice, batch=batch)

    first = uploaded()
    client.force_login(alice)
    page = client.get(f"/imports/{first.pk}/").content.decode()
    assert 'id="nothing-changes"' not in page and 'id="unchanged-rows"' not in page  # a new row to import
    confirm_import(actor=alice, batch=first)
    again = uploaded()
    assert (again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == (0, 0, 1)
    page = client.get(f"/imports/{again.pk}/").content.decode()
    assert 'id="nothing-changes"' in page and "确认导入不会改变任何数据" in page
    assert "未变的 1 行与系统记录一致" in page
