from __future__ import annotations

import datetime as dt
from typing import Any

from sanluanwu.core import clock
from sanluanwu.registry.models import Case


def _form(district: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "张三塑料造粒作坊",
        "industry": "塑料造粒",
        "town": district["hutang"].pk,
        "address": "新华村1号",
        "coordinates": "119.965, 31.725",
        "coord_datum": "wgs84",
        "legal_person": "张三",
        "licence_status": "unlicensed",
        "lookback_category": "1",
        "responsible_person": "李四",
        "remediation_type": "shutdown",
        "planned_completion": (clock.today() + dt.timedelta(days=9)).isoformat(),
    }
    data.update(overrides)
    return data


def test_the_form_shows_the_error_next_to_the_field_and_keeps_the_input(client, alice, campaign, district):
    client.force_login(alice)
    response = client.post("/cases/new/", _form(district, coordinates="121.47, 31.23", env_problems="废气直排"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="field-coordinates"' in html and "不在武进区范围内" in html
    assert "废气直排" in html and 'value="121.47, 31.23"' in html
    assert not Case.objects.exists()


def test_a_wrong_workshop_name_offers_the_composed_name(client, alice, campaign, district):
    client.force_login(alice)
    html = client.post("/cases/new/", _form(district, name="湖塘塑料厂")).content.decode()
    assert "使用建议名称" in html and 'data-value="张三塑料造粒作坊"' in html


def test_warnings_are_shown_with_links_and_saved_after_confirmation(client, alice, campaign, district):
    client.force_login(alice)
    assert client.post("/cases/new/", _form(district)).status_code == 302
    second = _form(district, name="张三塑料造粒个体户", coordinates="119.96520, 31.72510")
    html = client.post("/cases/new/", second).content.decode()
    assert "请核实以下提示" in html and "/enterprises/" in html
    response = client.post("/cases/new/", {**second, "acknowledge_warnings": "on"})
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_the_list_filters_by_status_category_overdue_and_text(client, office, campaign, district):
    from conftest import make_case

    past = clock.today() - dt.timedelta(days=1)
    late = make_case(
        office,
        district["hutang"],
        case={"listed_on": past - dt.timedelta(days=5), "planned_completion": past, "lookback_category": 2},
    )
    make_case(office, district["niutang"], name="王五木材加工作坊", legal_person="王五", industry="木材加工")
    client.force_login(office)
    assert "王五" not in client.get("/cases/?overdue=on").content.decode()
    assert late.enterprise.name in client.get("/cases/?overdue=on").content.decode()
    assert "王五" not in client.get("/cases/?category=2").content.decode()
    assert "王五" in client.get("/cases/?q=王五").content.decode()
    assert "张三" not in client.get(f"/cases/?town={district['niutang'].pk}").content.decode()
    assert "王五" in client.get("/cases/?status=open").content.decode()


def test_edit_form_saves_and_records_the_change(client, alice, hutang_case, district):
    client.force_login(alice)
    page = client.get(f"/cases/{hutang_case.pk}/edit/").content.decode()
    assert hutang_case.enterprise.name in page
    data = _form(
        district,
        responsible_person="赵六",
        version=hutang_case.version,
        planned_completion=hutang_case.planned_completion.isoformat(),
    )
    assert client.post(f"/cases/{hutang_case.pk}/edit/", data).status_code == 302
    hutang_case.refresh_from_db()
    assert hutang_case.responsible_person == "赵六"


def test_transition_buttons_come_from_the_workflow_table(client, alice, hutang_case):
    client.force_login(alice)
    html = client.get(f"/cases/{hutang_case.pk}/").content.decode()
    stop_form = f"/remediation/cases/{hutang_case.pk}/stop/"
    assert f'href="{stop_form}"' in html and "登记停产" in html and "现场审核通过" not in html
    client.post(f"/cases/{hutang_case.pk}/transition/", {"action": "stop_production"})  # a bare button: refused
    hutang_case.refresh_from_db()
    assert hutang_case.status == "listed"
    client.post(stop_form, {"stopped_on": clock.today().isoformat(), "document_no": "湖停字〔2020〕1号"})
    hutang_case.refresh_from_db()
    assert hutang_case.status == "stopped"


def test_pages_send_a_strict_content_security_policy(client, alice):
    client.force_login(alice)
    response = client.get("/cases/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
