"""A shutdown walked from the stop to 销号 in real headless Chromium, each step by the account whose duty it is
(附件1): the town's inspector and manager, 工信局, the water and power companies. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import ARTIFACTS, _db_tag, browser, small_demo  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
PASSWORD = "Wujin@2020"


@pytest.fixture
def fresh_case(small_demo: Any, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    """A newly listed case of 湖塘镇 and photos taken at its place today, made before the browser starts."""
    from conftest import make_case
    from sanluanwu.accounts.models import User
    from sanluanwu.core import clock
    from sanluanwu.demo.walk import site_photo

    hutang = User.objects.get(username="hutang")
    case = make_case(hutang, hutang.memberships.get().org_unit, name="吴浏览塑料造粒作坊", legal_person="吴浏览",
                     coordinates="119.9612, 31.7188")  # fmt: skip
    photos = {}
    for n, name in enumerate(["stop", "water", "power", "materials", "equipment", "products", "r1", "r2", "r3", "r4",
                              "r5"]):  # fmt: skip
        path = tmp_path / f"{name}.jpg"
        # The review's photos were taken the day before: the reviewer is warned and must say why to pass.
        day = clock.today() - dt.timedelta(days=1) if name.startswith("r") else clock.today()
        path.write_bytes(site_photo(case, seed=7000 + n, day=day))
        photos[name] = str(path)
    return {"pk": case.pk, "photos": photos}


def _login(browser: Any, url: str, username: str, *, phone: bool = False) -> Any:  # noqa: F811
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    page = browser.new_page(viewport=viewport, locale="zh-CN", is_mobile=phone)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_shutdown_from_stop_to_closure_across_the_accounts_that_take_part(live_server, fresh_case, browser):  # noqa: F811
    from sanluanwu.core import clock
    from sanluanwu.registry.models import Case

    tag, pk, photos = _db_tag(), fresh_case["pk"], fresh_case["photos"]
    url = live_server.url
    shot = 0
    on_case = re.compile(rf"/cases/{pk}/(#remediation)?$")  # back on the case page after a step

    def snap(page: Any, name: str) -> None:
        nonlocal shot
        shot += 1
        page.wait_for_load_state("networkidle")  # the photos too
        page.screenshot(path=str(ARTIFACTS / f"{tag}-remediation-{shot:02d}-{name}.png"), full_page=True)

    # The inspector records the stop with a photo.
    xj = _login(browser, url, "hutang_xj")
    xj.goto(f"{url}/cases/{pk}/")
    xj.click("#remediation .next-steps a >> text=登记停产")
    xj.fill("#document_no", "湖停字〔2020〕88号")
    xj.set_input_files("#photos", photos["stop"])
    snap(xj, "stop-form")
    xj.click("button[type=submit].primary")
    xj.wait_for_url(on_case)
    assert "已停产" in xj.inner_text("#remediation h2")

    # The manager proposes a shutdown; the page says who decides.
    town = _login(browser, url, "hutang")
    town.goto(f"{url}/remediation/cases/{pk}/type/")
    town.select_option("#remediation_type", "shutdown")
    town.fill("#reason", "无营业执照，废气直排，位于居民区，不具备整改条件")
    town.fill("#planned_completion", (clock.today() + dt.timedelta(days=30)).isoformat())
    if town.locator("#justification").count():
        town.fill("#justification", "演示：本镇认定对象均无证无照")
    town.click("button[type=submit].primary")
    town.wait_for_url(on_case)
    assert "待工信局确认整治类型" in town.inner_text("#remediation")
    snap(town, "proposed-town-view")

    # 工信局 confirms: the tasks of 附件1 are created.
    gxj = _login(browser, url, "gxj")
    gxj.goto(f"{url}/cases/{pk}/")
    gxj.click("#remediation .next-steps a >> text=确认整治类型")
    snap(gxj, "confirm-type")
    gxj.click("button[value=confirm]")
    gxj.wait_for_url(on_case)
    panel = gxj.inner_text("#remediation")
    assert "两断三清进行中（0/5）" in panel and "水务公司" in panel and "供电公司" in panel
    snap(gxj, "tasks-created")

    # The water and power companies each cut off, on their phone, seeing only their own task.
    for username, photo in (("shuiwu", photos["water"]), ("gongdian", photos["power"])):
        utility = _login(browser, url, username, phone=True)
        assert "/remediation/tasks/" in utility.url
        utility.click("text=吴浏览塑料造粒作坊")
        body = utility.inner_text("main")
        assert "13812345678" not in body and "废气直排" not in body
        utility.fill("#account_no", "320412000088")
        utility.fill("#final_reading", "1234.5")
        utility.set_input_files("#photos", photo)
        snap(utility, f"{username}-task-phone")
        utility.click("button[value=complete]")
        utility.wait_for_load_state()
        assert "已完成" in utility.inner_text("main")
        assert utility.goto(f"{url}/cases/{pk}/").status == 403

    # The town clears materials, equipment and products.
    for label, photo in (("清除原料", photos["materials"]), ("清除设备", photos["equipment"]),
                         ("清除产品", photos["products"])):  # fmt: skip
        xj.goto(f"{url}/cases/{pk}/")
        xj.click(f"#remediation table >> text={label}")
        xj.set_input_files("#photos", photo)
        xj.click("button[value=complete]")
        xj.wait_for_load_state()
        assert "已登记完成" in xj.inner_text("main"), xj.inner_text("main")[:600]
    xj.goto(f"{url}/cases/{pk}/")
    assert "任务已完成，待申请现场审核" in xj.inner_text("#remediation")
    xj.click("#remediation .next-steps a >> text=申请现场审核")
    assert xj.locator("button[type=submit].primary").count(), xj.inner_text("main")[:800]
    xj.click("button[type=submit].primary")
    xj.wait_for_url(on_case)

    # The manager reviews on site (the inspector who asked could not pass it).
    town.goto(f"{url}/cases/{pk}/")
    town.click("#remediation .next-steps a >> text=填写现场审核记录")
    town.fill("#participants", "陈科长（湖塘镇）\n村委会主任（新华村）")

    def fill_review() -> None:
        for n, code in enumerate(["water_cut", "power_cut", "clear_materials", "clear_equipment", "clear_products"]):
            town.check(f"input[name=ok_{code}]")
            town.set_input_files(f"input[name=photos_{code}]", photos[f"r{n + 1}"])
        town.check("input[name=result][value=passed]")
        town.fill("#reasons", "两断三清逐项现场核查到位")

    fill_review()
    snap(town, "review-form")
    town.click("button[type=submit].primary")
    town.wait_for_load_state()
    # The photos were taken on another day: the pass is refused until the reviewer explains why; the form keeps
    # everything typed, and the photos are kept for the next try (a browser cannot refill a file input): the
    # reviewer only writes the reason.
    warned = town.inner_text("main")
    assert "证据提示" in warned and "不是当天" in warned and not on_case.search(town.url)
    assert warned.count("已保留上次提交的 1 张照片") == 5
    snap(town, "review-warnings")
    town.fill("#warnings_note", "照片为昨日现场拍摄，已现场核对")
    town.click("button[type=submit].primary")
    town.wait_for_url(on_case)
    assert "待工信局签认销号" in town.inner_text("#remediation")
    assert "照片为昨日现场拍摄" in town.inner_text("#remediation")  # the reason stands beside the warnings

    # 工信局 signs off: 销号.
    gxj.goto(f"{url}/cases/{pk}/")
    gxj.click("#remediation .next-steps a >> text=签认销号")
    snap(gxj, "signoff")
    gxj.click("button[value=sign]")
    gxj.wait_for_url(on_case)
    assert Case.objects.get(pk=pk).status == "closed"
    assert "已销号" in gxj.inner_text(".lead")
    snap(gxj, "closed")
    gxj.goto(f"{url}/remediation/cases/{pk}/ledger/")
    assert "现场审核与签认" in gxj.inner_text("main")
    snap(gxj, "ledger")


def test_on_a_phone_every_stacked_cell_is_named_by_its_column(live_server, small_demo, browser):  # noqa: F811
    """Tables of records stack their cells on a phone: each reads "列名：值", never a bare "：" (the task table on
    the case page, the task list, the notices)."""
    from sanluanwu.registry.models import Case

    case = Case.objects.filter(town__code="hutang", tasks__isnull=False).order_by("id").first()
    assert case is not None
    page = _login(browser, live_server.url, "hutang", phone=True)
    try:
        for path in (f"/cases/{case.pk}/", "/remediation/tasks/", "/notices/"):
            page.goto(f"{live_server.url}{path}")
            cells = page.evaluate("""() => Array.from(document.querySelectorAll('table.list:not(.keep)')).flatMap(t => {
                const heads = Array.from(t.querySelectorAll('thead tr:last-child th')).map(th => th.textContent.trim());
                return Array.from(t.querySelectorAll('tbody tr')).flatMap(tr => Array.from(tr.children)
                    .filter(td => td.offsetParent !== null && td.textContent.trim() && !td.hasAttribute('colspan'))
                    .map((td, i) => [heads[i] || '', getComputedStyle(td, '::before').content]));
            })""")
            assert cells, path
            # A cell under a named column reads "列名："; a cell of buttons (no heading) has no prefix, never "：".
            wrong = [
                (head, shown)
                for head, shown in cells
                if shown != (f'"{head}："' if head else "none") and not (head and shown.startswith(f'"{head}'))
            ]
            assert not wrong, (path, wrong[:5])  # fmt: skip
        page.screenshot(path=str(ARTIFACTS / f"phone-notices-labelled-{_db_tag()}.png"), full_page=True)
    finally:
        page.close()


def test_too_many_photos_stop_in_the_browser_keeping_the_fields(live_server, fresh_case, browser, tmp_path):  # noqa: F811
    from django.conf import settings

    pk, one = fresh_case["pk"], Path(fresh_case["photos"]["stop"]).read_bytes()
    too_many = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    files = []
    for n in range(too_many):
        path = tmp_path / f"many-{n}.jpg"
        path.write_bytes(one)
        files.append(str(path))
    xj = _login(browser, live_server.url, "hutang_xj")
    xj.goto(f"{live_server.url}/cases/{pk}/")
    xj.click("#remediation .next-steps a >> text=登记停产")
    form_url = xj.url
    said: list[str] = []
    xj.on("dialog", lambda dialog: (said.append(dialog.message), dialog.dismiss()))
    xj.fill("#document_no", "湖停字〔2020〕89号")
    xj.set_input_files("#photos", files)
    xj.click("button[type=submit].primary")
    xj.wait_for_timeout(300)
    assert said and f"一次最多上传 {too_many - 1} 个文件" in said[0] and f"选择了 {too_many} 个" in said[0]
    assert xj.url == form_url and xj.input_value("#document_no") == "湖停字〔2020〕89号"
