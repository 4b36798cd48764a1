"""A place's name and address, and an inspection draft's reasons and problems, are shown masked: on the work list, the
place's page, in the API, and in the draft's own form (sent back as shown, the numbers are kept)."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from sanluanwu.lookback import services
from sanluanwu.lookback.models import Inspection

MOBILE, OTHER = "13800000014", "13911112222"


def test_a_place_named_with_the_landlords_mobile_is_shown_masked_everywhere(ada, alice, campaign, district):
    place = services.add_place(actor=ada, campaign=campaign, town=district["hutang"], kind="rental",
                               name=f"出租房（房东{MOBILE}）", address=f"湖塘镇新华村9号，门卫{OTHER}",
                               coordinates="119.9800, 31.7100")  # fmt: skip
    client = Client()
    client.force_login(ada)
    for url in ("/lookback/worklist/", f"/lookback/targets/{place.pk}/"):
        html = client.get(url).content.decode()
        assert MOBILE not in html and OTHER not in html, url
        assert "出租房（房东138****0014）" in html, url
    api = APIClient()
    api.force_authenticate(alice)
    for url in ("/api/v1/lookback/targets/", f"/api/v1/lookback/targets/{place.pk}/"):
        body = api.get(url).content.decode()
        assert MOBILE not in body and OTHER not in body, url


def test_a_drafts_form_shows_its_reasons_masked_and_saving_it_as_shown_keeps_the_numbers(ada, campaign, shut_target):
    inspection = services.start_inspection(actor=ada, target=shut_target)
    draft = services.InspectionInput(inspectors=f"李排查员{OTHER}", distance_reason=f"房东{MOBILE}带路",
                                     safety_problems=f"电线私拉乱接，举报人{MOBILE}")  # fmt: skip
    services.save_draft(actor=ada, inspection=inspection, data=draft, version=inspection.version)
    client = Client()
    client.force_login(ada)
    url = f"/lookback/inspections/{inspection.pk}/"
    html = client.get(url).content.decode()
    assert MOBILE not in html and OTHER not in html
    assert "房东138****0014带路" in html and "李排查员139****2222" in html
    fresh = Inspection.objects.get(pk=inspection.pk)
    assert fresh.safety_problems == f"电线私拉乱接，举报人{MOBILE}"
    response = client.post(url, {"version": fresh.version, "inspectors": "李排查员139****2222",
                                 "distance_reason": "房东138****0014带路，已核实",
                                 "safety_problems": "电线私拉乱接，举报人138****0014", "findings_edited": "1"})  # fmt: skip
    assert response.status_code in (200, 302), response.content.decode()[:3000]
    saved = Inspection.objects.get(pk=inspection.pk)
    assert saved.inspectors == f"李排查员{OTHER}"
    assert saved.distance_reason == f"房东{MOBILE}带路，已核实"
    assert saved.safety_problems == f"电线私拉乱接，举报人{MOBILE}"
