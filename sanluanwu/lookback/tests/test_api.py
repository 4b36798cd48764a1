from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sanluanwu.lookback import services
from sanluanwu.lookback.tests.test_photos import _photo_root, jpeg_with_exif  # noqa: F401 - fixture

ALL_CLEAR_SHUT = {"water_cut": "yes", "power_cut": "yes", "materials_cleared": "yes", "equipment_cleared": "yes",
                  "products_cleared": "yes", "producing": "no", "new_operator": "no", "never_listed": "no"}  # fmt: skip


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_mobile_app_can_do_a_whole_inspection(ada, alice, shut_target):
    services.assign_targets(actor=alice, targets=[shut_target], inspector=ada)
    api = _api(ada)
    work = api.get("/api/v1/lookback/targets/", {"worklist": 1, "lon": 119.9651, "lat": 31.7251}).json()
    row = work["results"][0]
    assert row["id"] == shut_target.pk and row["distance_m"] < 20 and "producing" in row["checklist"]
    inspection = api.post(f"/api/v1/lookback/targets/{shut_target.pk}/start/").json()
    url = f"/api/v1/lookback/inspections/{inspection['id']}/"
    draft = api.patch(url, {"version": inspection["version"], "answers": {"producing": "yes"}, "longitude": 119.9651,
                            "latitude": 31.7251, "accuracy_m": 8}, format="json")  # fmt: skip
    assert draft.status_code == 200 and draft.json()["derived_category"] == 1
    photo = api.post(url + "photos/", {"photo": SimpleUploadedFile("a.jpg", jpeg_with_exif()), "item": "producing"},
                     format="multipart")  # fmt: skip
    assert photo.status_code == 201 and photo.json()["taken_at"].startswith("2020-07-15")
    assert api.get(f"/api/v1/lookback/photos/{photo.json()['id']}/image/").status_code == 200
    done = api.post(url + "submit/", {"answers": ALL_CLEAR_SHUT | {"producing": "yes"}, "inspectors": "李、王"},
                    format="json")  # fmt: skip
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "submitted" and done.json()["case"]
    case = api.get(f"/api/v1/cases/{done.json()['case']}/").json()
    assert case["lookback_category"] == 1


def test_a_draft_saved_in_parts_keeps_what_was_not_sent(ada, shut_target):
    api = _api(ada)
    inspection = api.post(f"/api/v1/lookback/targets/{shut_target.pk}/start/").json()
    url = f"/api/v1/lookback/inspections/{inspection['id']}/"
    first = api.patch(url, {"version": inspection["version"], "answers": ALL_CLEAR_SHUT | {"producing": "yes"},
                            "env_problems": "废气直排", "distance_reason": "定位偏差", "longitude": 119.9651,
                            "latitude": 31.7251, "accuracy_m": 8}, format="json").json()  # fmt: skip
    second = api.patch(url, {"version": first["version"], "inspectors": "李排查员、王"}, format="json")
    assert second.status_code == 200, second.json()
    kept = second.json()
    assert kept["inspectors"] == "李排查员、王" and kept["env_problems"] == "废气直排"
    assert kept["distance_reason"] == "定位偏差" and kept["accuracy_m"] == 8
    assert kept["answers"]["producing"]["answer"] == "yes"
    third = api.patch(url, {"version": kept["version"], "accuracy_m": 5}, format="json").json()
    assert third["accuracy_m"] == 5 and third["env_problems"] == "废气直排"
    done = api.post(url + "submit/", {}, format="json")  # the draft as saved is what is submitted
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "submitted" and done.json()["inspectors"] == "李排查员、王"


def test_a_draft_is_saved_only_from_the_version_read(ada, shut_target):
    api = _api(ada)
    inspection = api.post(f"/api/v1/lookback/targets/{shut_target.pk}/start/").json()
    url = f"/api/v1/lookback/inspections/{inspection['id']}/"
    missing = api.patch(url, {"inspectors": "李"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert api.patch(url, {"version": inspection["version"], "inspectors": "李"}, format="json").status_code == 200
    stale = api.patch(url, {"version": inspection["version"], "inspectors": "王"}, format="json")  # another phone
    assert stale.status_code == 409 and "请刷新" in str(stale.json()), stale.json()
    assert api.get(url).json()["inspectors"] == "李"
    assert api.patch(url, ["inspectors"], format="json").status_code == 400


def test_submit_errors_name_the_missing_items(ada, shut_target):
    api = _api(ada)
    inspection = api.post(f"/api/v1/lookback/targets/{shut_target.pk}/start/").json()
    response = api.post(f"/api/v1/lookback/inspections/{inspection['id']}/submit/", {"answers": {"producing": "yes"}},
                        format="json")  # fmt: skip
    assert response.status_code == 400 and "answer_water_cut" in response.json()


def test_the_checklist_is_published(ada):
    items = _api(ada).get("/api/v1/lookback/checklist/").json()
    assert {i["code"] for i in items} >= {"water_cut", "facilities_running", "new_operator", "never_listed"}


def test_another_town_gets_404_on_places_inspections_and_photos(ada, bob, shut_target):
    inspection = services.start_inspection(actor=ada, target=shut_target)
    photo = services.add_photo(actor=ada, inspection=inspection, data=jpeg_with_exif(), filename="a.jpg")
    api = _api(bob)
    assert api.get(f"/api/v1/lookback/targets/{shut_target.pk}/").status_code == 404
    assert api.post(f"/api/v1/lookback/targets/{shut_target.pk}/start/").status_code == 404
    assert api.get(f"/api/v1/lookback/inspections/{inspection.pk}/").status_code == 404
    assert (
        api.patch(
            f"/api/v1/lookback/inspections/{inspection.pk}/", {"answers": {"x": "bad"}}, format="json"
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/lookback/photos/{photo.pk}/original/").status_code == 404


def test_a_draft_is_seen_only_by_those_who_may_record_it_in_the_api_as_on_the_page(client, ada, leo, office,
                                                                                   shut_target):  # fmt: skip
    draft = services.start_inspection(actor=ada, target=shut_target)
    photo = services.add_photo(actor=ada, inspection=draft, data=jpeg_with_exif(), filename="a.jpg")
    reader = _api(leo)
    assert reader.get(f"/api/v1/lookback/inspections/{draft.pk}/").status_code == 404
    assert draft.pk not in [i["id"] for i in reader.get("/api/v1/lookback/inspections/").json()["results"]]
    assert reader.get(f"/api/v1/lookback/photos/{photo.pk}/original/").status_code == 404
    client.force_login(leo)
    assert client.get(f"/lookback/inspections/{draft.pk}/").status_code == 404
    for who in (ada, office):
        assert _api(who).get(f"/api/v1/lookback/inspections/{draft.pk}/").status_code == 200


def test_a_list_filters_by_a_town_in_scope_and_refuses_a_filter_it_does_not_have(office, alice, bob, shut_target,
                                                                                district):  # fmt: skip
    api = _api(office)
    hutang, niutang = district["hutang"].pk, district["niutang"].pk
    assert {t["id"] for t in api.get("/api/v1/lookback/targets/", {"town": hutang}).json()["results"]} == {
        shut_target.pk}  # fmt: skip
    assert api.get("/api/v1/lookback/targets/", {"town": niutang}).json()["results"] == []
    assert api.get("/api/v1/lookback/inspections/", {"town": hutang}).status_code == 200
    assert _api(bob).get("/api/v1/lookback/targets/", {"town": hutang}).status_code == 404  # not his town
    assert api.get("/api/v1/lookback/targets/", {"town": "abc"}).status_code == 400
    refused = api.get("/api/v1/remediation/tasks/", {"town": hutang})
    assert refused.status_code == 400 and "不支持查询参数：town" in refused.json()["non_field_errors"][0]
    assert "可用的筛选参数" in refused.json()["non_field_errors"][0]
    kind = api.get("/api/v1/remediation/tasks/", {"kind": "bogus"})
    assert kind.status_code == 400 and "没有任务类型“bogus”" in kind.json()["kind"][0]
    assert api.get("/api/v1/remediation/tasks/", {"q": ""}).status_code == 200  # a blank field asks for nothing


def test_the_work_list_keeps_to_the_town_asked_for(alice, shut_target, district):
    api = _api(alice)
    query = {"worklist": 1, "lon": 119.9651, "lat": 31.7251}
    assert [t["id"] for t in api.get("/api/v1/lookback/targets/", query | {"town": district["hutang"].pk})
            .json()["results"]] == [shut_target.pk]  # fmt: skip
    assert api.get("/api/v1/lookback/targets/", query | {"town": district["niutang"].pk}).status_code == 404
