"""The inspector's day on a phone, in real Chromium, with the position mocked by the browser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.test_browser import ARGS, ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.browser


def _photo(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "IMG_2001.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 130, 140)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_inspector_records_a_shut_down_workshop_producing_again(live_server, purge_audit_after, tmp_path, settings,
                                                                 monkeypatch):  # fmt: skip
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PHOTO_ROOT = tmp_path / "photos"
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from sanluanwu.accounts.models import OrgUnit, User
    from sanluanwu.campaigns.queries import current_campaign
    from sanluanwu.demo.builder import build_demo
    from sanluanwu.lookback import services
    from sanluanwu.lookback.tests.conftest import baseline_target

    build_demo(size="small", seed=2020, password="Wujin@2020")
    inspector = User.objects.get(username="hutang_xj")
    manager = User.objects.get(username="hutang")
    town = OrgUnit.objects.get(code="hutang")
    target = baseline_target(manager, current_campaign(), town, "shutdown", name="孙八塑料造粒作坊", legal_person="孙八",
                             coordinates="119.981200, 31.741500")  # fmt: skip
    services.assign_targets(actor=manager, targets=[target], inspector=inspector)
    tag = connection.vendor
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", geolocation={"latitude": 31.74160, "longitude": 119.98125,
                                                                   "accuracy": 12},
                                      permissions=["geolocation"])  # fmt: skip
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "hutang_xj")
        page.fill("#id_password", "Wujin@2020")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/lookback/worklist/")
        page.wait_for_url("**lat=*")
        first = page.locator(".work-item").first
        assert "孙八塑料造粒作坊" in first.inner_text() and "米" in first.inner_text()
        page.screenshot(path=str(ARTIFACTS / f"{tag}-lookback-01-worklist.png"), full_page=True)

        first.locator("button.start").click()
        page.wait_for_url("**/lookback/inspections/*/")
        page.wait_for_function("document.getElementById('inspection-form').elements['latitude'].value !== ''")
        for code in ("water_cut", "materials_cleared", "equipment_cleared", "products_cleared"):
            page.check(f"#item-{code} input[value=yes]")
        page.check("#item-power_cut input[value=no]")
        page.fill("#item-power_cut .check-note", "私拉电线接入车间")
        page.check("#item-producing input[value=yes]")
        page.check("#item-new_operator input[value=no]")
        page.check("#item-never_listed input[value=no]")
        page.click("#save-draft")
        page.wait_for_selector(".messages")
        assert "第一类" in page.inner_text("#derived")
        page.set_input_files("#photo-input", str(_photo(tmp_path)))
        page.click("#upload-photo")
        page.wait_for_selector(".photos img")
        page.screenshot(path=str(ARTIFACTS / f"{tag}-lookback-02-inspection.png"), full_page=True)

        page.click("#submit")
        page.wait_for_selector("#case-link")
        assert "第一类" in page.inner_text(".lead")
        page.screenshot(path=str(ARTIFACTS / f"{tag}-lookback-03-submitted.png"), full_page=True)
        page.click("#case-link")
        page.wait_for_url("**/cases/*/")
        assert "第一类：关停取缔后复产经营" in page.inner_text(".lead")
        assert "关停取缔后私自恢复供电（私拉电线接入车间）" in page.inner_text("main")
        assert page.locator("#evidence .photos img").count() == 1  # the photo is kept as evidence on the case
        page.screenshot(path=str(ARTIFACTS / f"{tag}-lookback-04-case.png"), full_page=True)
        page.goto(f"{live_server.url}/cases/?q=孙八")
        assert "第一类" in page.inner_text("#case-table")
        page.screenshot(path=str(ARTIFACTS / f"{tag}-lookback-05-on-the-list.png"), full_page=True)
        browser.close()
