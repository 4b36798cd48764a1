"""The hostile corpus (tests/hostile.py) through the pages, the API and the imports: each input is refused with a
Chinese 4xx message (or, for an import, a batch 无法读取 saying why), or stored harmlessly and shown escaped; after
each the service still answers (/healthz/ and a list page)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from sanluanwu.registry.models import Case
from sanluanwu.registry.tests.test_api import _payload
from tests import hostile

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"
    settings.MEDIA_ROOT = tmp_path / "media"


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _still_answers(client: Client) -> None:
    assert client.get("/healthz/").status_code == 200
    assert client.get("/cases/").status_code == 200


def _chinese_refusal(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert CJK.search(response.content.decode("utf-8", "replace")), response.content[:300]


SHEETS = hostile.hostile_sheets()


def _preview_as_the_worker_would(batch_id: int, actor: Any) -> dict[str, Any]:
    from sanluanwu.imports.api.views import BatchSerializer
    from sanluanwu.imports.jobs import _run
    from sanluanwu.imports.models import ImportBatch

    _run(batch_id, actor.pk)  # what the worker's job runs
    return dict(BatchSerializer(ImportBatch.objects.get(pk=batch_id)).data)


@pytest.mark.parametrize("name", list(SHEETS))
def test_a_hostile_sheet_is_refused_by_the_api_and_the_page_and_the_service_keeps_answering(name, alice, campaign,
                                                                                            district):  # fmt: skip
    data, filename = SHEETS[name]
    response = _api(alice).post("/api/v1/imports/", {"file": SimpleUploadedFile(filename, data), "kind": "list",
                                                     "unit": district["hutang"].pk}, format="multipart")  # fmt: skip
    if response.status_code == 201:
        batch = response.json()
        if batch["status"] == "queued":  # a large file: the job worker previews it (in a limited child process)
            batch = _preview_as_the_worker_would(batch["id"], alice)
        assert batch["status"] == "rejected", batch
        assert CJK.search(batch["message"]), batch["message"]
        assert not batch["preview"] and not batch["counts"]
    else:
        _chinese_refusal(response)
    client = _page(alice)
    page = client.post("/imports/", {"file": SimpleUploadedFile(filename, data), "kind": "list",
                                     "unit": district["hutang"].pk, "coord_datum": "wgs84"}, follow=True)  # fmt: skip
    assert page.status_code in (200, 400)
    if "排队中" in page.content.decode():
        from sanluanwu.imports.models import ImportBatch

        _preview_as_the_worker_would(ImportBatch.objects.latest("id").pk, alice)
        page = client.get(page.redirect_chain[-1][0])
    assert "无法读取" in page.content.decode() or page.status_code == 400
    assert Case.objects.count() == 0
    _still_answers(client)


IMAGES = hostile.hostile_images()


@pytest.fixture
def inspection(alice, ada, campaign, district):
    from sanluanwu.lookback import services as lookback
    from sanluanwu.lookback.tests.conftest import baseline_target

    target = baseline_target(alice, campaign, district["hutang"], "shutdown", name="李四木材加工作坊",
                             legal_person="李四", phone="13900002222", coordinates="119.9660, 31.7260")  # fmt: skip
    lookback.assign_targets(actor=alice, targets=[target], inspector=ada)
    return lookback.start_inspection(actor=alice, target=target)


@pytest.mark.parametrize("name", list(IMAGES))
def test_a_hostile_photo_is_refused_by_the_api_and_the_page(name, alice, inspection):
    data, filename = IMAGES[name]
    response = _api(alice).post(f"/api/v1/lookback/inspections/{inspection.pk}/photos/",
                                {"photo": SimpleUploadedFile(filename, data)}, format="multipart")  # fmt: skip
    _chinese_refusal(response)
    client = _page(alice)
    page = client.post(f"/lookback/inspections/{inspection.pk}/photos/",
                       {"photo": SimpleUploadedFile(filename, data)}, follow=True)  # fmt: skip
    assert page.status_code == 200
    assert "已上传" not in page.content.decode()
    assert inspection.photos.count() == 0
    _still_answers(client)


DOCUMENTS = hostile.hostile_documents()
# A work plan is stored and handed back, never parsed: only its zip directory is read (reporting.services), so XML
# inside it is inert on the server; it is kept as uploaded, like any Word file a town sends.
STORED_UNREAD = {"billion laughs as docx"}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_hostile_work_plan_is_refused_or_stored_unread(name, alice, campaign):
    data, filename = DOCUMENTS[name]
    client = _page(alice)
    response = client.post("/reporting/workplans/", {"title": "工作方案", "file": SimpleUploadedFile(filename, data)})
    if name in STORED_UNREAD:
        assert response.status_code == 302
    else:
        _chinese_refusal(response)
    _still_answers(client)


@pytest.mark.parametrize("name", list(hostile.HOSTILE_TEXTS))
def test_hostile_text_in_every_text_field_of_the_api_is_stored_harmlessly_and_shown_escaped(name, alice, campaign,
                                                                                            district):  # fmt: skip
    text = hostile.HOSTILE_TEXTS[name]
    fields = ["name", "industry", "address", "legal_person", "responsible_person", "env_problems", "safety_problems",
              "other_problems", "progress_note"]  # fmt: skip
    body = _payload(district, **{f: f"{text}{i}" for i, f in enumerate(fields)})
    response = _api(alice).post("/api/v1/cases/", body, format="json")
    if response.status_code != 201:  # refused (a NUL is said as what it is)
        _chinese_refusal(response)
        return
    case = Case.objects.select_related("enterprise").get()
    client = _page(alice)
    for url in (f"/cases/{case.pk}/", "/cases/", f"/enterprises/{case.enterprise_id}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert alice.password not in page  # a template fragment is shown as typed, never rendered
    if "<" in text:
        assert (
            "&lt;script&gt;" in client.get(f"/cases/{case.pk}/").content.decode()
            or "&lt;img" in client.get(f"/cases/{case.pk}/").content.decode()
        )
    _still_answers(client)


def test_hostile_text_through_the_case_form_page_is_shown_escaped(alice, campaign, district):
    body = _payload(district, name=f"{hostile.SCRIPT}作坊", env_problems=hostile.HOSTILE_TEXTS["template"],
                    licence_status="licensed")  # fmt: skip
    body["coordinates"] = "119.9650, 31.7250"
    response = _api(alice).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    client = _page(alice)
    case = Case.objects.get()
    edit = client.get(f"/cases/{case.pk}/edit/").content.decode()
    assert hostile.SCRIPT not in edit and "&lt;script&gt;" in edit
    assert "{{ request.user.password }}" in edit and alice.password not in edit


def test_a_megabyte_of_text_is_refused_by_the_api_and_the_page(alice, campaign, district):
    response = _api(alice).post("/api/v1/cases/", _payload(district, env_problems=hostile.MEGABYTE_TEXT),
                                format="json")  # fmt: skip
    _chinese_refusal(response)
    client = _page(alice)
    page = client.post("/cases/new/", {"name": hostile.MEGABYTE_TEXT, "town": district["hutang"].pk})
    _chinese_refusal(page)
    assert Case.objects.count() == 0
    _still_answers(client)


@pytest.mark.parametrize("number", hostile.HOSTILE_NUMBERS)
def test_a_non_finite_or_huge_number_is_refused_by_the_api(number, alice, hutang_case, district):
    api = _api(alice)
    for field in ("lookback_category", "planned_completion", "town", "coordinates"):
        raw = json.dumps(_payload(district)).replace(f'"{field}": ', f'"{field}": {number}, "_x": ', 1)
        for method, url in (("post", "/api/v1/cases/"), ("patch", f"/api/v1/cases/{hutang_case.pk}/")):
            response = getattr(api, method)(url, raw, content_type="application/json")
            assert response.status_code in (200, 201, 400), (field, number, response.status_code)
            if response.status_code == 400:
                assert CJK.search(response.content.decode()), response.content[:200]
    for param in ("page", "after", "before", "town", "category"):
        response = api.get("/api/v1/cases/", {param: number})
        assert response.status_code in (200, 400, 404), (param, number, response.status_code)
    _still_answers(_page(alice))


def test_exported_cells_never_start_a_formula_from_user_text(alice, campaign, district):
    from openpyxl import load_workbook

    api = _api(alice)
    for i, key in enumerate(["formula cmd", "formula plus", "formula minus", "formula at"]):
        text = hostile.HOSTILE_TEXTS[key]
        body = _payload(district, name=f"{text}{i}", address=f"湖塘镇{i}号", responsible_person=text[:40],
                        env_problems=text, coordinates=f"31.72{i}0, 119.96{i}0", licence_status="licensed",
                        acknowledge_warnings=True)  # fmt: skip
        assert api.post("/api/v1/cases/", body, format="json").status_code == 201
    client = _page(alice)
    response = client.get("/cases/export/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row if c.value is not None]
    assert any("cmd|" in str(c.value) for c in cells)
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
        if str(cell.value).startswith(hostile.FORMULA_STARTS):  # kept as typed, but as a text cell (t="s")
            assert cell.data_type == "s", (cell.coordinate, cell.value)
