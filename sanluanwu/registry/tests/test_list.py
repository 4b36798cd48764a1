"""The dynamic list: one FilterSet for the page, the API and the export; sorting; the columns shown; search."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from conftest import NIUTANG_POINT, case_input, enterprise_input, make_case
from sanluanwu.core import clock
from sanluanwu.registry import columns, services


@pytest.fixture
def three_cases(alice, campaign, district):
    today = clock.today()
    out = []
    for i, (name, person, days, responsible) in enumerate(
        [
            ("张三塑料造粒作坊", "张三", 30, "陈科长"),
            ("李四木材加工作坊", "李四", 10, "周主任"),
            ("王五废品回收作坊", "王五", 20, "陈科长"),
        ]
    ):
        out.append(make_case(alice, district["hutang"], name=name, legal_person=person, industry=name[2:-2],
                             coordinates=f"119.96{i}, 31.72{i}", phone="",
                             case={"planned_completion": today + dt.timedelta(days=days),
                                   "responsible_person": responsible}))  # fmt: skip
    return out


@pytest.mark.parametrize("path, params, said", [
    ("/cases/", {"after": "abc"}, "翻页位置 after“abc”不正确"),
    ("/cases/", {"before": "-3"}, "翻页位置 before“-3”不正确"),
    ("/cases/", {"page": "2"}, "未排序的名单不按页码 page 翻页"),
    ("/cases/", {"sort": "name", "page": "9999"}, "最多翻到第 200 页"),
    ("/cases/", {"sort": "name", "page": "第二页"}, "页码 page“第二页”不正确"),
    ("/cases/", {"sort": "name", "after": "5"}, "排序后的名单按页码 page 翻页"),
    ("/cases/", {"after": "5", "before": "9"}, "after 和 before 不能同时使用"),
    ("/enterprises/", {"after": "1e3"}, "翻页位置 after“1e3”不正确"),
    ("/imports/", {"before": "x"}, "翻页位置 before“x”不正确"),
])  # fmt: skip
def test_a_page_position_that_is_none_is_said_never_read_as_the_first_page(client, alice, three_cases, path, params,
                                                                            said):  # fmt: skip
    client.force_login(alice)
    page = client.get(path, params)
    assert page.status_code == 400
    html = page.content.decode()
    assert "翻页参数有误" in html and said in html and "张三塑料造粒作坊" not in html
    assert client.get(path, {**params, "after": "", "before": "", "page": "1"}).status_code in (200, 400)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("params", [{"category": "9"}, {"status": "nonsense"}, {"overdue": "maybe"}, {"sort": "x"}])
def test_a_bad_filter_value_is_an_error_never_the_whole_list(client, alice, three_cases, params):
    client.force_login(alice)
    page = client.get("/cases/", params)
    assert page.status_code == 400
    html = page.content.decode()
    assert "筛选条件有误" in html and "张三塑料造粒作坊" not in html
    api = APIClient()
    api.force_authenticate(alice)
    response = api.get("/api/v1/cases/", params)
    assert response.status_code == 400 and next(iter(params)) in response.json()
    exported = client.get("/cases/export/", params)
    assert exported.status_code == 302  # back to the list, which says what is wrong
    assert "无法导出" in client.get(exported["Location"]).content.decode()
    assert api.get("/api/v1/cases/export/", params).status_code == 400


def test_the_list_sorts_by_a_column_both_ways_on_the_page_and_in_the_api(client, alice, three_cases):
    client.force_login(alice)
    html = client.get("/cases/", {"sort": "planned_completion"}).content.decode()
    assert html.index("李四木材加工作坊") < html.index("王五废品回收作坊") < html.index("张三塑料造粒作坊")
    html = client.get("/cases/", {"sort": "-planned_completion"}).content.decode()
    assert html.index("张三塑料造粒作坊") < html.index("王五废品回收作坊") < html.index("李四木材加工作坊")
    api = APIClient()
    api.force_authenticate(alice)
    first = api.get("/api/v1/cases/", {"sort": "name", "page_size": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    names = [r["enterprise"]["name"] for r in first["results"] + second["results"]]
    assert names == sorted(names) and len(names) == 3


def test_search_finds_a_case_by_its_responsible_person_and_its_operator(client, alice, three_cases):
    api = APIClient()
    api.force_authenticate(alice)
    by_responsible = api.get("/api/v1/cases/", {"q": "周主任"}).json()["results"]
    assert [r["enterprise"]["name"] for r in by_responsible] == ["李四木材加工作坊"]
    by_operator = api.get("/api/v1/cases/", {"q": "王五"}).json()["results"]
    assert [r["enterprise"]["name"] for r in by_operator] == ["王五废品回收作坊"]


def test_the_office_can_show_all_15_columns_of_attachment_2_and_the_choice_is_remembered(client, office, three_cases):
    client.force_login(office)
    keys = [c.key for c in columns.LIST_COLUMNS]
    html = client.get("/cases/", {"cols": keys}).content.decode()
    for c in columns.ATTACHMENT2[1:]:
        assert f'data-label="{c.header}"' in html, c.header
    again = client.get("/cases/").content.decode()  # remembered for the session
    assert 'data-label="存在安全隐患情况"' in again


def test_the_export_button_offers_a_date_and_keeps_the_filters(client, office, three_cases):
    client.force_login(office)
    html = client.get("/cases/", {"q": "陈科长"}).content.decode()
    form = html[html.index('id="export-form"') : html.index("</form>", html.index('id="export-form"'))]
    assert 'type="date" name="as_of"' in form and 'name="q" value="陈科长"' in form


def test_the_filter_bar_follows_a_renamed_town_and_the_rows_follow_a_case_written(client, office, sysadmin, alice,
                                                                                   three_cases, district):  # fmt: skip
    # The controls are remembered apart from the rows (units and campaigns only); each still follows its own writes.
    from sanluanwu.accounts.services import save_org_unit

    client.force_login(office)
    assert "湖塘镇" in client.get("/cases/").content.decode()
    make_case(alice, district["hutang"], name="赵六喷漆作坊", legal_person="赵六", phone="")
    assert "赵六喷漆作坊" in client.get("/cases/").content.decode()
    town = district["niutang"]
    town.name = "牛塘镇（新）"
    save_org_unit(actor=sysadmin, org_unit=town)
    bar = client.get("/cases/").content.decode()
    assert "牛塘镇（新）" in bar[: bar.index("赵六喷漆作坊")]  # the town filter's choice, above the rows


def test_a_case_moved_to_another_town_leaves_the_first_towns_remembered_list_and_joins_the_seconds(
    office, alice, bob, hutang_case, niutang_case, district
):
    # Town lists are remembered per town (registry.visibility.case_memo): a move names no town, so both read again.
    from django.test import Client

    from sanluanwu.audit.tests.test_memo import _as_if_written_by_another_process

    clients = {user: Client() for user in (alice, bob)}
    for user, browser in clients.items():
        browser.force_login(user)
    name = hutang_case.enterprise.name
    assert name in clients[alice].get("/cases/").content.decode()
    assert name not in clients[bob].get("/cases/").content.decode()
    _as_if_written_by_another_process(lambda: services.update_case(
        actor=office, case=hutang_case, case_data=case_input(),
        enterprise_data=enterprise_input(district["niutang"], address="牛塘镇新华村人民路1号",
                                         coordinates=NIUTANG_POINT)))  # fmt: skip
    assert name not in clients[alice].get("/cases/").content.decode()
    assert name in clients[bob].get("/cases/").content.decode()
    assert name in [r["enterprise"]["name"] for r in _api_list(bob)]


def _api_list(user):
    api = APIClient()
    api.force_authenticate(user)
    return api.get("/api/v1/cases/").json()["results"]
