"""Look-back records entered by mistake are withdrawn with a reason and restored by the office admin, never deleted
(core.withdrawal): places, inspections and photos, through the services, the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from sanluanwu.lookback import queries, services
from sanluanwu.lookback.models import Inspection, Photo, Target
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif
from sanluanwu.registry.models import Case


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


def _answers(target: Target, **problems: str) -> dict[str, str]:
    return {i.code: ("yes" if i.problem_if == "no" else "no") for i in services.applicable_items(target)} | problems


def _submitted(actor: Any, target: Target, **problems: str) -> Inspection:
    inspection = services.start_inspection(actor=actor, target=target)
    return services.submit_inspection(actor=actor, inspection=inspection,
                                      data=services.InspectionInput(answers=_answers(target, **problems), inspectors="李"))  # fmt: skip


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _events(action: str, obj: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)))


def test_a_withdrawn_inspection_leaves_the_figures_and_its_place_is_to_be_visited_again(
    alice, ada, office, campaign, shut_target
):
    inspection = _submitted(ada, shut_target, producing="yes")
    case = inspection.case
    assert queries.progress(office, campaign)[0]["done"] == 1
    services.withdraw_inspection(actor=alice, inspection=inspection, reason="录错了场所")
    shut_target.refresh_from_db()
    row = queries.progress(office, campaign)[0]
    assert shut_target.status == "to_do" and (row["done"], row["to_do"], row["problems"]) == (0, 1, 0)
    assert not queries.inspections_visible_to(office).filter(pk=inspection.pk).exists()
    assert shut_target in [t for t, _d in queries.worklist(ada)]
    # The case it listed is a record of its own: withdrawn (误列) separately if it too was a mistake.
    case.refresh_from_db()
    assert case.status == "listed"
    [event] = _events("lookback.inspection.withdrawn", inspection)
    assert event.note == "录错了场所" and event.actor_id == alice.pk

    services.restore_inspection(actor=office, inspection=inspection, reason="场所无误，撤回有误")
    shut_target.refresh_from_db()
    inspection.refresh_from_db()
    assert shut_target.status == "done" and inspection.withdrawn_at is None and inspection.withdrawal_reason == ""
    assert queries.progress(office, campaign)[0]["done"] == 1
    assert _events("lookback.inspection.restored", inspection)[0].note == "场所无误，撤回有误"


def test_a_place_stays_done_while_another_submitted_inspection_remains(alice, ada, shut_target):
    first = _submitted(ada, shut_target)
    _submitted(ada, shut_target)
    services.withdraw_inspection(actor=alice, inspection=first, reason="重复录入")
    shut_target.refresh_from_db()
    assert shut_target.status == "done"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_withdrawal_without_a_reason_is_refused_naming_the_field(alice, ada, shut_target, reason):
    inspection = _submitted(ada, shut_target)
    with pytest.raises(ValidationFailed) as exc:
        services.withdraw_inspection(actor=alice, inspection=inspection, reason=reason)
    assert exc.value.errors == {"reason": ["请填写撤回理由"]}
    with pytest.raises(ValidationFailed):
        services.withdraw_target(actor=alice, target=shut_target, reason=reason)
    inspection.refresh_from_db()
    assert inspection.withdrawn_at is None and not _events("lookback.inspection.withdrawn", inspection)


def test_only_the_town_manager_or_the_office_withdraws_and_only_the_office_admin_restores(
    alice, ada, bob, office, shut_target
):
    inspection = _submitted(ada, shut_target)
    for who in (ada, bob):
        with pytest.raises(PermissionDenied):
            services.withdraw_inspection(actor=who, inspection=inspection, reason="误录")
    services.withdraw_inspection(actor=alice, inspection=inspection, reason="误录")
    for who in (ada, alice, bob):
        with pytest.raises(PermissionDenied):
            services.restore_inspection(actor=who, inspection=inspection, reason="恢复")
    with pytest.raises(TransitionNotAllowed):
        services.withdraw_inspection(actor=office, inspection=inspection, reason="再撤一次")


def test_a_withdrawn_inspection_is_not_amended_nor_given_photos(alice, ada, shut_target):
    inspection = _submitted(ada, shut_target)
    services.withdraw_inspection(actor=alice, inspection=inspection, reason="误录")
    with pytest.raises(TransitionNotAllowed):
        services.amend_inspection(actor=alice, inspection=inspection, reason="更正", changes={"inspectors": "王"})
    draft = services.start_inspection(actor=ada, target=shut_target)
    services.withdraw_inspection(actor=alice, inspection=draft, reason="草稿作废")
    with pytest.raises(TransitionNotAllowed):
        services.add_photo(actor=ada, inspection=draft, data=jpeg_with_exif(), filename="a.jpg")
    # The withdrawn draft is not picked up again: starting gives a new one.
    assert services.start_inspection(actor=ada, target=shut_target).pk != draft.pk


def test_a_place_is_withdrawn_only_once_its_inspections_are_and_leaves_the_work_list(
    alice, ada, office, campaign, district
):
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="rental", name="重复的出租房",
                               address="湖塘镇某路1号")  # fmt: skip
    draft = services.start_inspection(actor=ada, target=place)
    with pytest.raises(TransitionNotAllowed, match="请先撤回其检查记录"):
        services.withdraw_target(actor=alice, target=place, reason="重复添加")
    services.withdraw_inspection(actor=alice, inspection=draft, reason="重复添加")
    services.withdraw_target(actor=alice, target=place, reason="重复添加")
    assert place not in [t for t, _d in queries.worklist(ada)]
    assert queries.progress(office, campaign) == []
    with pytest.raises(TransitionNotAllowed):
        services.start_inspection(actor=ada, target=queries.access_target(ada, place.pk))
    with pytest.raises(TransitionNotAllowed, match="请先恢复排查对象"):
        services.restore_inspection(actor=office, inspection=draft, reason="恢复")
    services.restore_target(actor=office, target=place, reason="并非重复")
    assert queries.progress(office, campaign)[0]["total"] == 1
    assert [e.action for e in AuditEvent.objects.filter(object_type="lookback.target", object_id=str(place.pk))
                               .order_by("id")] == [
        "lookback.target.created", "lookback.target.withdrawn", "lookback.target.restored"]  # fmt: skip


def test_a_photo_of_a_draft_is_withdrawn_by_the_inspector_and_of_a_submitted_one_by_the_manager(
    alice, ada, office, shut_target
):
    draft = services.start_inspection(actor=ada, target=shut_target)
    wrong = services.add_photo(actor=ada, inspection=draft, data=jpeg_with_exif(), filename="别处.jpg")
    services.withdraw_photo(actor=ada, photo=wrong, reason="拍错场所")
    assert not queries.photos_visible_to(ada).filter(pk=wrong.pk).exists()
    assert queries.access_photo(ada, wrong.pk).withdrawal_reason == "拍错场所"  # kept, with its file
    kept = services.add_photo(actor=ada, inspection=draft, data=jpeg_with_exif(), filename="现场.jpg")
    services.submit_inspection(actor=ada, inspection=draft,
                               data=services.InspectionInput(answers=_answers(shut_target), inspectors="李"))  # fmt: skip
    kept = Photo.objects.get(pk=kept.pk)
    with pytest.raises(PermissionDenied):
        services.withdraw_photo(actor=ada, photo=kept, reason="不清楚")
    services.withdraw_photo(actor=alice, photo=kept, reason="照片不清楚")
    services.restore_photo(actor=office, photo=Photo.objects.get(pk=wrong.pk), reason="实为本场所")
    assert _events("lookback.photo.withdrawn", kept)[0].note == "照片不清楚"
    assert _events("lookback.photo.restored", wrong)[0].note == "实为本场所"


def test_the_pages_withdraw_with_a_reason_and_show_the_mark_where_the_history_is(
    client, alice, ada, bob, uma, office, shut_target
):
    inspection = _submitted(ada, shut_target, producing="yes")
    url = f"/lookback/inspections/{inspection.pk}/"
    client.force_login(alice)
    assert "撤回检查记录" in client.get(url).content.decode()
    client.post(f"{url}withdraw/", {"reason": ""})
    inspection.refresh_from_db()
    assert inspection.withdrawn_at is None
    assert client.post(f"{url}withdraw/", {"reason": "录错了场所"}).status_code == 302
    html = client.get(url).content.decode()
    assert "已撤回" in html and "录错了场所" in html and "提交更正" not in html
    target_page = client.get(f"/lookback/targets/{shut_target.pk}/").content.decode()
    assert "已撤回" in target_page and "录错了场所" in target_page
    case_page = client.get(f"/cases/{inspection.case_id}/").content.decode()
    assert "已撤回" in case_page  # the case's evidence: the inspection that listed it, marked
    # Restoring is the office admin's: the town manager's restore is refused, another town's user finds nothing.
    assert client.post(f"{url}restore/", {"reason": "恢复"}).status_code == 403
    client.force_login(bob)
    assert client.post(f"{url}withdraw/", {"reason": "误录"}).status_code == 404
    assert client.post(f"{url}restore/", {"reason": "恢复"}).status_code == 403  # no role that restores anywhere
    client.force_login(ada)
    assert client.post(f"/lookback/targets/{shut_target.pk}/withdraw/", {"reason": "误建"}).status_code == 403
    client.force_login(uma)
    assert client.post(f"{url}withdraw/", {"reason": "误录"}).status_code == 403
    client.force_login(office)
    assert "恢复理由" in client.get(url).content.decode()
    assert client.post(f"{url}restore/", {"reason": "核实无误"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.withdrawn_at is None


def test_the_api_withdraws_and_restores_and_lists_withdrawn_records_apart(alice, ada, bob, office, shut_target):
    inspection = _submitted(ada, shut_target)
    base = f"/api/v1/lookback/inspections/{inspection.pk}"
    assert _api(alice).post(f"{base}/withdraw/", {}, format="json").json()["reason"] == ["请填写撤回理由"]
    assert _api(ada).post(f"{base}/withdraw/", {"reason": "误录"}, format="json").status_code == 403
    assert _api(bob).post(f"{base}/withdraw/", {"reason": "误录"}, format="json").status_code == 404
    answer = _api(alice).post(f"{base}/withdraw/", {"reason": "重复录入"}, format="json")
    assert answer.status_code == 200 and answer.json()["withdrawal_reason"] == "重复录入"
    listed = _api(office).get("/api/v1/lookback/inspections/").json()["results"]
    assert inspection.pk not in [r["id"] for r in listed]
    apart = _api(office).get("/api/v1/lookback/inspections/?withdrawn=1").json()["results"]
    assert [r["id"] for r in apart] == [inspection.pk]
    assert _api(office).get(f"{base}/").json()["withdrawn_at"]
    assert _api(alice).post(f"{base}/restore/", {"reason": "恢复"}, format="json").status_code == 403
    assert _api(office).post(f"{base}/restore/", {"reason": "核实无误"}, format="json").status_code == 200
    assert _api(office).delete(f"{base}/").status_code == 405
    # The place and the photo have the same two actions.
    target_base = f"/api/v1/lookback/targets/{shut_target.pk}"
    assert _api(alice).post(f"{target_base}/withdraw/", {"reason": "误建"}, format="json").status_code == 409
    draft = services.start_inspection(actor=ada, target=shut_target)
    photo = services.add_photo(actor=ada, inspection=draft, data=jpeg_with_exif(), filename="a.jpg")
    answer = _api(ada).post(f"/api/v1/lookback/photos/{photo.pk}/withdraw/", {"reason": "拍错"}, format="json")
    assert answer.status_code == 200 and answer.json()["withdrawal_reason"] == "拍错"
    shown = _api(ada).get(f"/api/v1/lookback/inspections/{draft.pk}/").json()["photos"]
    assert [p["withdrawal_reason"] for p in shown] == ["拍错"]  # the inspection's history shows it, marked
    assert Case.objects.count() == 0
