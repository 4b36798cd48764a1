"""The remediation API: the same services, scoping and permission table as the pages."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from sanluanwu.core import clock
from sanluanwu.demo.walk import site_photo, walk
from sanluanwu.registry.choices import CaseStatus


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_shutdown_walks_through_the_api_from_stop_to_closure(parties, case, alice, ada, gina, walt, uma, office):
    today = clock.today().isoformat()
    base = f"/api/v1/remediation/cases/{case.pk}"
    first = _api(alice).get(f"{base}/").json()
    assert first["allowed_actions"] == ["stop_production"]
    photo = site_photo(case, seed=5)
    from django.core.files.uploadedfile import SimpleUploadedFile

    stop = _api(ada).post(f"{base}/stop/", {"stopped_on": today, "photos": [SimpleUploadedFile("s.jpg", photo,
                                                                                               "image/jpeg")]},
                          format="multipart")  # fmt: skip
    assert stop.status_code == 200, stop.json()
    assert stop.json()["status"] == CaseStatus.STOPPED and stop.json()["stops"][0]["evidence"]
    proposed = _api(alice).post(f"{base}/type/", {"remediation_type": "shutdown", "reason": "无证无照",
                                                  "planned_completion": (clock.today() + dt.timedelta(days=30)).isoformat()},
                                format="json")  # fmt: skip
    assert proposed.status_code == 200, proposed.json()
    cid = proposed.json()["classifications"][-1]["id"]
    assert _api(alice).post(f"{base}/type-decision/", {"id": cid, "approve": True}, format="json").status_code == 403
    confirmed = _api(gina).post(f"{base}/type-decision/", {"id": cid, "approve": True}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == CaseStatus.REMEDIATING
    # The water company: its own task, no case, no phone.
    tasks = _api(walt).get("/api/v1/remediation/tasks/").json()
    rows = tasks["results"] if isinstance(tasks, dict) else tasks
    assert [t["kind_code"] for t in rows] == ["water_cut"] and "13812345678" not in str(tasks)
    assert _api(walt).get(f"{base}/").status_code == 403
    task = rows[0]
    bad = _api(walt).post(f"/api/v1/remediation/tasks/{task['id']}/complete/",
                          {"acted_on": today, "version": task["version"], "final_reading": "NaN"}, format="json")  # fmt: skip
    assert bad.status_code == 400
    done = _api(walt).post(f"/api/v1/remediation/tasks/{task['id']}/complete/",
                           {"acted_on": today, "version": task["version"], "account_no": "3204001", "final_reading": "123.4",
                            "photos": [SimpleUploadedFile("w.jpg", site_photo(case, seed=6), "image/jpeg")]},
                           format="multipart")  # fmt: skip
    assert done.status_code == 200, done.json()
    again = _api(walt).post(f"/api/v1/remediation/tasks/{task['id']}/complete/",
                            {"acted_on": today, "version": task["version"]}, format="json")  # fmt: skip
    assert again.status_code == 409
    walk(case, "awaiting_review", parties)
    work = _api(alice).get(f"{base}/").json()  # ada (the inspector) asked for it: alice may review it
    assert {s["action"]: s["reason"] for s in work["next_steps"]}["record_review"] == ""
    assert "record_review" in work["allowed_actions"]
    by_ada = _api(ada).get(f"{base}/").json()
    assert "record_review" not in by_ada["allowed_actions"]
    notices = _api(gina).get("/api/v1/remediation/notices/").json()
    rows = notices["results"] if isinstance(notices, dict) else notices
    assert any(n["kind"] == "type_to_confirm" for n in rows)


def test_the_api_refuses_absurd_dates_and_numbers_with_a_message(parties, case, alice, ada, office):
    base = f"/api/v1/remediation/cases/{case.pk}"
    for body in ({"stopped_on": "0001-01-01", "document_no": "x"}, {"stopped_on": "9999-12-31", "document_no": "x"},
                 {"stopped_on": "not a date"}, {}):  # fmt: skip
        response = _api(ada).post(f"{base}/stop/", body, format="json")
        assert response.status_code == 400, body
    walk(case, "confirmed", parties)
    for amount in ("NaN", "Infinity", "-5", "1e30", ""):
        response = _api(office).post(f"{base}/enforcement/", {"kind": "fine", "legal_basis": "《环境保护法》第六十三条",
                                                              "document_no": "武环罚〔2020〕1号",
                                                              "decided_on": clock.today().isoformat(), "amount": amount},
                                     format="json")  # fmt: skip
        assert response.status_code == 400, amount
    fine = _api(office).post(f"{base}/enforcement/", {"kind": "fine", "legal_basis": "《环境保护法》第六十三条",
                                                      "document_no": "武环罚〔2020〕1号", "unit": case.town.parent.children.get(code="sthjj").pk,
                                                      "decided_on": clock.today().isoformat(), "amount": "50000"},
                             format="json")  # fmt: skip
    assert fine.status_code == 200, fine.json()
    assert fine.json()["enforcements"][0]["amount"] == "50000.00"


def test_another_towns_user_gets_404_and_a_malformed_body_400(parties, case, bob, alice):
    base = f"/api/v1/remediation/cases/{case.pk}"
    assert _api(bob).get(f"{base}/").status_code == 404
    assert _api(bob).post(f"{base}/stop/", {"stopped_on": clock.today().isoformat()}, format="json").status_code == 404
    response = _api(alice).post(f"{base}/type/", b"[1, 2", content_type="application/json")
    assert response.status_code == 400
    assert _api(alice).post("/api/v1/remediation/notices/read/", {"ids": ["x"]}, format="json").status_code == 400


def test_every_moment_of_a_cases_work_is_given_in_the_districts_time(parties, case, office):
    import re

    walk(case, "confirmed", parties)
    body = _api(office).get(f"/api/v1/remediation/cases/{case.pk}/").json()
    stamps = re.findall(r'"(\d{4}-\d\d-\d\dT[^"]+)"', str(body).replace("'", '"'))
    assert body["stops"] and body["stops"][0]["recorded_at"].endswith("+08:00")
    assert stamps and all(s.endswith("+08:00") for s in stamps), stamps
