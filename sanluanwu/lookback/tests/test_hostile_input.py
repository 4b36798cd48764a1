"""Hostile input to the look-back: photos over the limit, absurd numbers, malformed bodies. 400, never 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from rest_framework.test import APIClient

from sanluanwu.lookback import services
from sanluanwu.lookback.models import Photo
from sanluanwu.lookback.tests.test_photos import _photo_root, jpeg_with_exif  # noqa: F401 - fixture


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def unread(monkeypatch):
    def read(self, *args):
        raise AssertionError("the photo was read before its size was checked")

    monkeypatch.setattr(TemporaryUploadedFile, "read", read)


@pytest.fixture
def draft(ada, alice, shut_target):
    services.assign_targets(actor=alice, targets=[shut_target], inspector=ada)
    return services.start_inspection(actor=ada, target=shut_target)


def test_a_photo_over_the_limit_is_refused_by_its_size_in_the_api(ada, draft, settings, unread):
    settings.PHOTO_MAX_BYTES = 3 * 1024 * 1024
    big = SimpleUploadedFile("big.jpg", jpeg_with_exif() + b"\0" * (4 * 1024 * 1024))
    response = _api(ada).post(f"/api/v1/lookback/inspections/{draft.pk}/photos/", {"photo": big}, format="multipart")
    assert response.status_code == 400
    assert "单张不超过 3 MB" in response.json()["photo"][0]
    assert not Photo.objects.exists()


def test_a_photo_over_the_limit_is_refused_by_its_size_on_the_page(client, ada, draft, settings, unread):
    settings.PHOTO_MAX_BYTES = 3 * 1024 * 1024
    client.force_login(ada)
    big = SimpleUploadedFile("big.jpg", jpeg_with_exif() + b"\0" * (4 * 1024 * 1024))
    response = client.post(f"/lookback/inspections/{draft.pk}/photos/", {"photo": big}, follow=True)
    assert "单张不超过 3 MB" in response.content.decode()
    assert not Photo.objects.exists()


# --- numbers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"longitude": 1e308, "latitude": 31.7}, {"longitude": 119.9, "latitude": -1e308},
                                  {"longitude": 119.9, "latitude": 31.7, "accuracy_m": 1e308},
                                  {"longitude": 200, "latitude": 31.7}, {"longitude": 119.9, "latitude": 31.7,
                                                                         "accuracy_m": -5}])  # fmt: skip
def test_an_absurd_number_is_refused_and_the_inspection_list_still_answers(ada, bob, draft, body):
    api = _api(ada)
    response = api.patch(f"/api/v1/lookback/inspections/{draft.pk}/", body, format="json")
    assert response.status_code == 400
    message = " ".join(m for v in response.json().values() if isinstance(v, list) for m in v)
    assert "之间" in message
    for user in (ada, bob):
        assert _api(user).get("/api/v1/lookback/inspections/").status_code == 200
    assert api.get(f"/api/v1/lookback/inspections/{draft.pk}/").json()["longitude"] is None


@pytest.mark.parametrize("raw", ['{"longitude": NaN, "latitude": 31.7}', '{"longitude": Infinity, "latitude": 31.7}',
                                 '{"longitude": 1e999, "latitude": 31.7}'])  # fmt: skip
def test_non_finite_json_numbers_are_refused(ada, draft, raw):
    response = _api(ada).patch(f"/api/v1/lookback/inspections/{draft.pk}/", raw, content_type="application/json")
    assert response.status_code == 400


def test_the_service_refuses_absurd_numbers_whoever_calls_it(ada, draft):
    from sanluanwu.core.errors import ValidationFailed

    for value in (float("nan"), float("inf"), 1e308):
        with pytest.raises(ValidationFailed) as exc:
            services.save_draft(
                actor=ada, inspection=draft, data=services.InspectionInput(longitude=value, latitude=31.7)
            )
        assert exc.value.errors["longitude"] == ["经度应在 73～136 之间"]
    services.save_draft(
        actor=ada, inspection=draft, data=services.InspectionInput(longitude=-0.0 + 119.9, latitude=31.7)
    )


def test_the_page_form_refuses_absurd_numbers(client, ada, draft):
    client.force_login(ada)
    for value in ("1e308", "nan", "inf", "-1e999"):
        response = client.post(f"/lookback/inspections/{draft.pk}/", {"inspectors": "阿达", "longitude": value,
                                                                     "latitude": "31.7"})  # fmt: skip
        assert response.status_code == 400
    assert client.get("/lookback/worklist/").status_code == 200


@pytest.mark.parametrize("query", ["lon=nan&lat=nan", "lon=1e999&lat=31.7", "lon=inf&lat=-inf", "lon=119.9&lat=1e308",
                                   "lon=%EF%BC%91&lat=2", "acc=nan"])  # fmt: skip
def test_bad_numbers_in_query_strings_never_break_the_page_and_the_api_says_so(client, ada, draft, query):
    client.force_login(ada)
    assert client.get(f"/lookback/worklist/?{query}").status_code == 200  # the phone's position: the list, unsorted
    # A bad lon/lat is told; so is the list's parameter it does not read (acc: core.api.KnownListParams), while the
    # candidates' check, no list, reads what it needs and leaves the rest.
    listed = _api(ada).get(f"/api/v1/lookback/targets/?worklist=1&{query}")
    assert listed.status_code == 400
    if query.startswith("acc="):
        assert "不支持查询参数：acc" in listed.json()["non_field_errors"][0]
    expected = 200 if query.startswith("acc=") else 400
    assert _api(ada).get(f"/api/v1/lookback/candidates/?town={draft.town_id}&name=张三&{query}").status_code == expected


@pytest.mark.parametrize("query", ["page_size=-1", "page_size=0", "page_size=99999999999999999999", "page_size=²",
                                   "page_size=201", "page_size=abc", "after=99999999999999999999999", "before=-5",
                                   "after=1e3", "after=%EF%BC%91", "after=abc", "page=2", "page=x",
                                   "after=5&before=9"])  # fmt: skip
def test_bad_paging_parameters_are_refused_naming_the_parameter(ada, draft, query):
    # Never read as absent: a mistyped page position showing the first page looks like the page asked for.
    name = query.split("&")[-1].split("=")[0]
    for path in ("/api/v1/lookback/inspections/", "/api/v1/lookback/targets/", "/api/v1/cases/",
                 "/api/v1/enterprises/", "/api/v1/imports/"):  # fmt: skip
        response = _api(ada).get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert name in response.json() and name in response.json()[name][0], (path, response.json())


@pytest.mark.parametrize("query", ["page_size=200", "page_size=1", "after=", "page=1", "after=1", "before=2"])
def test_good_paging_parameters_are_read(ada, draft, query):
    for path in ("/api/v1/lookback/inspections/", "/api/v1/lookback/targets/", "/api/v1/cases/",
                 "/api/v1/enterprises/", "/api/v1/imports/"):  # fmt: skip
        assert _api(ada).get(f"{path}?{query}").status_code == 200, path


@pytest.mark.parametrize("path", ["/api/v1/cases/99999999999999999999/", "/api/v1/enterprises/99999999999999999999/",
                                  "/api/v1/imports/99999999999999999999/", "/api/v1/lookback/targets/99999999999999999999/",
                                  "/api/v1/lookback/inspections/99999999999999999999/",
                                  "/api/v1/lookback/photos/99999999999999999999/",
                                  "/api/v1/lookback/photos/99999999999999999999/image/",
                                  "/api/v1/cases/9223372036854775808/", "/api/v1/cases/-1/", "/api/v1/cases/%EF%BC%91/"])  # fmt: skip
def test_ids_beyond_64_bits_in_paths_are_404(ada, draft, path):
    response = _api(ada).get(path)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/cases/99999999999999999999/", "/imports/99999999999999999999/",
                                  "/lookback/targets/99999999999999999999/", "/lookback/inspections/99999999999999999999/",
                                  "/lookback/photos/99999999999999999999/"])  # fmt: skip
def test_ids_beyond_64_bits_in_page_paths_are_404(client, ada, path):
    client.force_login(ada)
    assert client.get(path).status_code == 404


def test_ids_beyond_64_bits_in_form_fields_are_refused(client, alice, ada, draft):
    client.force_login(alice)
    response = client.post(f"/lookback/targets/{draft.target_id}/assign/", {"inspector": "99999999999999999999"})
    assert response.status_code == 302
    assert client.get("/lookback/?town=99999999999999999999").status_code == 200
    api = _api(alice)
    assert api.post(f"/api/v1/lookback/targets/{draft.target_id}/assign/", {"inspector": 10**20},
                    format="json").status_code == 400  # fmt: skip
    assert api.post("/api/v1/lookback/targets/", {"town": 10**20, "kind": "vacant_plant", "name": "x", "address": "y"},
                    format="json").status_code == 400  # fmt: skip
    response = _api(ada).post(f"/api/v1/lookback/inspections/{draft.pk}/submit/", {"link_enterprise": 10**20},
                              format="json")  # fmt: skip
    assert response.status_code == 400


# --- malformed bodies ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["[]", '[{"inspectors": "x"}]', '"text"', "42", "null", "true", "{"])
def test_a_body_that_is_no_object_is_a_400(alice, draft, raw):
    api = _api(alice)  # the town manager may use every one of these (an inspector may not assign or amend)
    for method, path in (("patch", f"/api/v1/lookback/inspections/{draft.pk}/"),
                         ("post", f"/api/v1/lookback/inspections/{draft.pk}/submit/"),
                         ("post", f"/api/v1/lookback/inspections/{draft.pk}/amend/"),
                         ("post", f"/api/v1/lookback/targets/{draft.target_id}/assign/"),
                         ("post", "/api/v1/lookback/targets/")):  # fmt: skip
        response = getattr(api, method)(path, raw, content_type="application/json")
        assert response.status_code in (400, 409), (path, raw, response.status_code)
        assert response.json()


@pytest.fixture
def submitted(ada, draft):
    from sanluanwu.lookback.tests.test_api import ALL_CLEAR_SHUT

    return services.submit_inspection(actor=ada, inspection=draft,
                                      data=services.InspectionInput(answers=ALL_CLEAR_SHUT, inspectors="阿达"))  # fmt: skip


@pytest.mark.parametrize("changes", [[], "inspectors", 5, None, {"inspectors": 5}, {"inspectors": ["a"]},
                                     {"inspectors": {"a": 1}}, {"inspected_at": "yesterday"},
                                     {"inspected_at": "2999-01-01T00:00:00+08:00"}, {"inspectors": "x" * 201},
                                     {"env_problems": "x" * 40000}, {"status": "draft"}, {}])  # fmt: skip
def test_a_malformed_amendment_is_a_400(alice, submitted, changes):
    response = _api(alice).post(f"/api/v1/lookback/inspections/{submitted.pk}/amend/",
                              {"reason": "核对后更正", "changes": changes}, format="json")  # fmt: skip
    assert response.status_code == 400, response.json()
    submitted.refresh_from_db()
    assert submitted.inspectors == "阿达"


def test_a_well_formed_amendment_still_works(alice, submitted):
    response = _api(alice).post(f"/api/v1/lookback/inspections/{submitted.pk}/amend/",
                              {"reason": "核对后更正", "changes": {"inspectors": "阿达、李四",
                                                                    "inspected_at": "2020-07-15T09:30"}},
                              format="json")  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["inspectors"] == "阿达、李四"


# --- dates --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59",
                                  "1900-01-01T08:00"])  # fmt: skip
def test_an_inspection_time_in_year_one_is_refused_on_every_path(client, ada, alice, draft, when):
    response = _api(ada).patch(f"/api/v1/lookback/inspections/{draft.pk}/", {"inspected_at": when}, format="json")
    assert response.status_code == 400 and "inspected_at" in response.json(), response.content
    client.force_login(ada)
    page = client.post(f"/lookback/inspections/{draft.pk}/", {"inspected_at": when[:16], "inspectors": "李排查员"})
    assert page.status_code in (200, 400) and "请检查年份" in page.content.decode()
    from sanluanwu.lookback.tests.test_categories import _all_clear

    answers = _all_clear(services.applicable_items(draft.target))
    submitted = services.submit_inspection(actor=ada, inspection=draft, data=services.InspectionInput(
        inspectors="李排查员", answers=answers))  # fmt: skip
    amend = _api(alice).post(f"/api/v1/lookback/inspections/{submitted.pk}/amend/",
                             {"reason": "改时间", "changes": {"inspected_at": when}}, format="json")  # fmt: skip
    assert amend.status_code == 400 and "请检查年份" in str(amend.json()), amend.content
    assert _api(ada).get("/api/v1/lookback/inspections/").status_code == 200


def test_a_problem_text_holds_no_more_than_the_case_column_on_every_path(ada, alice, draft):
    from sanluanwu.core.errors import ValidationFailed
    from sanluanwu.registry.columns import BY_KEY

    limit = BY_KEY["env_problems"].max_length
    too_long = "废" * (limit + 1)
    response = _api(ada).patch(f"/api/v1/lookback/inspections/{draft.pk}/",
                               {"version": draft.version, "env_problems": too_long}, format="json")  # fmt: skip
    assert response.status_code == 400 and f"{limit}" in str(response.json()["env_problems"])
    with pytest.raises(ValidationFailed):
        services.save_draft(actor=ada, inspection=draft, data=services.InspectionInput(safety_problems=too_long))


@pytest.mark.parametrize("query", [{"lon": "nan", "lat": "nan"}, {"lon": "1e308", "lat": "31.7"}, {"lon": "inf", "lat": "31.7"},
                                   {"lon": "abc", "lat": "31.7"}, {"lon": "119.96"}, {"lat": "31.72"}])  # fmt: skip
def test_a_position_that_is_no_position_is_told_not_ignored(ada, district, shut_target, query):
    api = _api(ada)
    worklist = api.get("/api/v1/lookback/targets/", {"worklist": 1, **query})
    assert worklist.status_code == 400 and ("lon" in worklist.json() or "lat" in worklist.json()), worklist.json()
    said = str(worklist.json())
    assert "73～136" in said or "3～54" in said or "请同时提供" in said  # the range the rule holds, not the globe's
    found = api.get("/api/v1/lookback/candidates/", {"town": district["hutang"].pk, "name": "张三", **query})
    assert found.status_code == 400, found.json()
    assert api.get("/api/v1/lookback/targets/", {"worklist": 1, "lon": "119.96", "lat": "31.72"}).status_code == 200


def test_candidates_of_another_town_are_not_found(ada, district):
    api = _api(ada)
    assert api.get("/api/v1/lookback/candidates/", {"town": district["niutang"].pk, "name": "王五"}).status_code == 404
    assert api.get("/api/v1/lookback/candidates/", {"town": district["hutang"].pk, "name": "王五"}).status_code == 200


def test_photos_uploaded_together_on_the_page_are_told_in_one_line(client, ada, draft):
    client.force_login(ada)
    shots = [SimpleUploadedFile(f"p{n}.jpg", jpeg_with_exif(lon=119.9651 + n / 10000)) for n in range(3)]
    response = client.post(f"/lookback/inspections/{draft.pk}/photos/", {"photo": shots}, follow=True)
    body = response.content.decode()
    assert "已上传 3 张照片" in body and "“p0.jpg”已上传" not in body
    assert Photo.objects.count() == 3
