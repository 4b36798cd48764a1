"""The half-monthly report in real headless Chromium on the small demo: 湖塘镇's manager finds the report the office
returned, checks the figures and resubmits; the office sees what changed, accepts it and downloads the district
workbook; the banner on the way. Screenshots (desktop and a 390 px phone) in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import ARTIFACTS, _db_tag, browser, small_demo  # noqa: F401 - fixtures
from tests.test_browser_remediation import _login

pytestmark = pytest.mark.browser


@pytest.fixture
def returned(small_demo: Any) -> Any:  # noqa: F811
    """湖塘镇's report the office returned yesterday (read before the browser starts, as test_browser explains)."""
    from sanluanwu.reporting.models import Slot

    return Slot.objects.get(state="returned", unit__code="hutang")


def test_a_returned_report_is_corrected_resubmitted_and_accepted(live_server, returned, browser):  # noqa: F811
    slot = returned
    tag, url = _db_tag(), live_server.url

    def snap(page: Any, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{tag}-reporting-{name}.png"), full_page=True)

    phone = _login(browser, url, "hutang", phone=True)
    phone.goto(f"{url}/reporting/")
    assert "已退回" in phone.inner_text("main") and "距" in phone.inner_text(".campaign-banner")
    snap(phone, "01-town-overview-phone")
    phone.click(f"a[href='/reporting/slots/{slot.pk}/']")
    assert "办公室退回了第1版" in phone.inner_text("main")
    assert phone.input_value("#reviewer") == "分管领导"  # entered once, brought forward
    snap(phone, "02-returned-phone")
    phone.fill("#remark", "已核实3家企业的整治进度")
    phone.click("button[type=submit].primary")
    phone.wait_for_url(f"**/reporting/slots/{slot.pk}/")
    assert "已报送第2版" in phone.inner_text(".messages")

    office = _login(browser, url, "office")
    office.goto(f"{url}/reporting/periods/{slot.period_id}/")
    assert "湖塘镇" in office.inner_text("main") and "未报" in office.inner_text("main")
    snap(office, "03-period-office")
    office.goto(f"{url}/reporting/slots/{slot.pk}/")
    assert "与第1版相比" in office.inner_text("main")
    snap(office, "04-review-office")
    office.click("button[value=accept]")
    office.wait_for_url(f"**/reporting/slots/{slot.pk}/")
    assert "已审核通过" in office.inner_text(".page-head")
    with office.expect_download() as download:
        office.goto(f"{url}/reporting/periods/{slot.period_id}/")
        office.click("text=下载全区汇总表")
    assert download.value.suggested_filename.endswith(".xlsx")
    office.goto(f"{url}/reporting/summary/")
    snap(office, "05-summary-office")
    assert "全区" in office.inner_text("main")
