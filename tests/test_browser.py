"""Main flow in real headless Chromium (Debian's /usr/bin/chromium), screenshots kept in test-artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    # Playwright's sync API runs an event loop in this thread; only for this test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
        # A database read in the test's body while Playwright runs (test_browser_remediation reads the case's status
        # after 销号) opened a connection that outlived the test (see small_demo): PostgreSQL then refused to drop the
        # test database at the end of the run ("being accessed by other users"). Closed here, in the test's context.
        connections.close_all()


@pytest.fixture
def small_demo(purge_audit_after: Any) -> None:
    """The demo is built before the browser starts: while Playwright's event loop runs in this thread, Django keeps
    the database connection per context (asgiref's Local), and one opened then is never closed by the test's
    teardown, which leaves a session that stops PostgreSQL's test database from being dropped."""
    from sanluanwu.demo.builder import build_demo

    build_demo(size="small", seed=2020, password="Wujin@2020")


def _db_tag() -> str:
    from django.db import connection

    return connection.vendor


def test_town_manager_lists_a_case_fixing_a_point_outside_the_district(live_server, small_demo, browser):
    tag = _db_tag()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "hutang")
    page.fill("#id_password", "Wujin@2020")
    page.click("button[type=submit]")
    page.wait_for_url("**/cases/")
    assert "动态管理整治名单" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / f"{tag}-01-list.png"), full_page=True)

    page.click("text=列入名单")
    page.select_option("#id_licence_status", "unlicensed")
    page.fill("#id_legal_person", "吴浏览")
    page.fill("#id_industry", "塑料造粒")
    page.fill("#id_name", "吴浏览塑料造粒作坊")
    page.fill("#id_address", "湖塘镇浏览村测试路8号")
    page.fill("#id_coordinates", "121.4737, 31.2304")  # Shanghai: outside Wujin
    page.select_option("#id_lookback_category", "4")
    page.select_option("#id_remediation_type", "shutdown")
    page.fill("#id_env_problems", "废气未经处理直排")
    page.fill("#id_responsible_person", "陈科长")
    page.click("#save")
    error = page.locator("#field-coordinates .field-errors")
    error.wait_for()
    assert "不在武进区范围内" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"{tag}-02-coordinate-error.png"), full_page=True)
    assert page.input_value("#id_env_problems") == "废气未经处理直排"  # nothing the user typed is lost

    page.fill("#id_coordinates", "31°43′12″N, 119°58′12″E")
    page.click("#save")
    if page.locator("#warnings").count():
        page.check("#id_acknowledge_warnings")
        page.click("#save")
    page.wait_for_url("**/cases/*/")
    assert page.inner_text("h1") == "吴浏览塑料造粒作坊"
    assert "119.970000, 31.720000" in page.inner_text("#coords").replace(" ", ", ", 0)
    timeline = page.locator(".timeline")
    assert "列入动态管理整治名单" in timeline.inner_text()
    assert "陈科长" in timeline.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"{tag}-03-detail.png"), full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/cases/?q=吴浏览")
    assert "吴浏览塑料造粒作坊" in phone.inner_text("#case-table")
    phone.screenshot(path=str(ARTIFACTS / f"{tag}-04-phone-list.png"), full_page=True)


@pytest.fixture
def previewed_batch(small_demo: Any) -> int:
    """A 附件2 of 湖塘镇 uploaded and previewed by its manager, before the browser starts."""
    from sanluanwu.accounts.models import User
    from sanluanwu.imports import services
    from sanluanwu.imports.tests.sheets import messy_xlsx
    from sanluanwu.imports.tests.test_import_list import _row

    hutang = User.objects.get(username="hutang")
    batch = services.upload_import(actor=hutang, data=messy_xlsx([_row(1, "吴取消塑料造粒作坊", "吴取消")]),
                                   filename="湖塘镇附件2.xlsx", kind="list", unit=hutang.memberships.get().org_unit)  # fmt: skip
    services.preview_import(actor=hutang, batch=batch)
    return batch.pk


def test_cancelling_an_import_asks_first_and_a_no_changes_nothing(live_server, previewed_batch, browser):
    asked: list[str] = []
    for phone in (False, True):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        page = browser.new_page(viewport=viewport, locale="zh-CN", is_mobile=phone)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "hutang")
        page.fill("#id_password", "Wujin@2020")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/imports/{previewed_batch}/")
        if not phone:  # first a "no" (the dialog dismissed): the batch stays 待确认
            page.screenshot(path=str(ARTIFACTS / f"import-cancel-form-{_db_tag()}.png"))
            page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
            page.fill("#cancel-form input[name=reason]", "传错了文件")
            page.click("#cancel")
            page.wait_for_timeout(300)
            assert asked and "不会导入任何数据" in asked[0]
            assert page.inner_text("#batch-status") == "待确认"
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#cancel")
            page.wait_for_load_state()
            assert page.inner_text("#batch-status") == "已取消"
            assert "已取消该批次，没有导入任何数据" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / f"import-cancelled-{'phone' if phone else 'desktop'}-{_db_tag()}.png"),
                        full_page=True)  # fmt: skip
        page.close()
