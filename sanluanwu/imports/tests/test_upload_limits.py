"""An upload over the limit is refused by its declared size, before it is read; an oversized request is a 400."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from rest_framework.test import APIClient

from sanluanwu.imports.limits import MAX_BYTES
from sanluanwu.imports.models import ImportBatch


@pytest.fixture
def unread(monkeypatch):
    """An upload that is read at all fails the test: the size check must come first."""

    def read(self, *args):
        raise AssertionError("the upload was read before its size was checked")

    monkeypatch.setattr(TemporaryUploadedFile, "read", read)


def _big() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.csv", b"x" * (MAX_BYTES + 1))


def test_the_page_refuses_a_file_over_20_mb_without_reading_it(client, alice, campaign, district, unread):
    client.force_login(alice)
    response = client.post("/imports/", {"kind": "list", "unit": district["hutang"].pk, "coord_datum": "wgs84",
                                         "file": _big()})  # fmt: skip
    assert response.status_code == 400
    assert "单个文件不超过 20 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_api_refuses_a_file_over_20_mb_without_reading_it(alice, campaign, district, unread):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/imports/", {"kind": "list", "unit": district["hutang"].pk, "file": _big()},
                        format="multipart")  # fmt: skip
    assert response.status_code == 400
    assert "单个文件不超过 20 MB" in response.json()["file"][0]
    assert not ImportBatch.objects.exists()


def test_a_request_with_too_many_fields_shows_the_reason_on_the_import_form(client, alice, campaign, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client.force_login(alice)
    response = client.post("/imports/", {f"f{i}": "x" for i in range(60)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求包含的字段过多：每次不超过 50 个" in page and 'id="upload-form"' in page


def test_a_request_with_too_many_files_is_a_400_in_chinese(alice, campaign, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    api = APIClient()
    api.force_authenticate(alice)
    files = {f"file{i}": SimpleUploadedFile(f"{i}.csv", b"a") for i in range(3)}
    response = api.post("/api/v1/imports/", {"kind": "list", **files}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "一次上传的文件过多：每次不超过 2 个", "code": "request_too_large"}


def test_the_reason_is_shown_when_the_csrf_check_reads_the_form_first(alice, campaign, settings):
    from django.test import Client

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/imports/")  # the CSRF cookie, as a browser has it
    token = client.cookies["csrftoken"].value
    response = client.post("/imports/", {"csrfmiddlewaretoken": token, **{f"f{i}": "x" for i in range(60)}})
    assert response.status_code == 400
    assert "请求包含的字段过多：每次不超过 50 个" in response.content.decode()
