"""The list page's rows rendered in Python (registry.list_rows): the same cells the template showed, escaped."""

from __future__ import annotations

import datetime as dt

from conftest import make_case, walk_case
from sanluanwu.core import clock
from sanluanwu.registry import columns


def _all_columns(client):
    return client.get("/cases/", {"cols": [c.key for c in columns.LIST_COLUMNS]}).content.decode()


def test_each_row_links_its_case_and_shows_every_chosen_column(client, alice, campaign, district):
    late = make_case(alice, district["hutang"], name="张三塑料造粒作坊", legal_person="张三",
                     case={"planned_completion": clock.today() - dt.timedelta(days=3), "lookback_category": 2,
                           "listed_on": clock.today() - dt.timedelta(days=20),
                           "progress_note": "已约谈负责人，" + "正在拆除设备" * 10,
                           "safety_problems": "电线私拉\n无消防器材"})  # fmt: skip
    client.force_login(alice)
    html = _all_columns(client)
    assert f'<a href="/cases/{late.pk}/">张三塑料造粒作坊</a>' in html
    assert '<tr class="overdue">' in html
    assert '<span class="tag cat-2">第二类</span>' in html
    assert (clock.today() - dt.timedelta(days=3)).isoformat() + ' <span class="tag warn">逾期</span>' in html
    assert '<span class="status st-listed">已列入名单</span><small class="muted">已约谈负责人，正在拆除设备' in html
    assert "正在拆除设备正在拆除设备...</small>" in html  # the note cut at 40 characters, as truncatechars cut it
    assert '<td data-label="存在安全隐患情况">电线私拉<br>无消防器材</td>' in html
    assert '<td data-label="整治类型">关停取缔</td>' in html
    assert '<td data-label="所属镇（街道）">湖塘镇</td>' in html


def test_a_row_without_a_date_or_type_says_so_and_is_not_overdue(client, alice, campaign, district):
    make_case(alice, district["hutang"], case={"planned_completion": None, "remediation_type": ""})
    client.force_login(alice)
    html = _all_columns(client)
    assert '<td data-label="计划完成时间">—</td>' in html
    assert '<td data-label="整治类型">待确定</td>' in html
    assert '<tr class="">' in html and "overdue" not in html.split("<tbody>")[1]


def test_a_stage_in_words_is_shown_for_an_open_case(client, alice, office, campaign, district):
    case = walk_case(make_case(alice, district["hutang"]), "stopped")
    case.refresh_from_db()
    client.force_login(alice)
    html = _all_columns(client)
    assert f'<span class="status st-{case.status}">{case.stage or case.get_status_display()}</span>' in html


def test_text_typed_into_a_row_is_escaped(client, alice, campaign, district):
    make_case(alice, district["hutang"], case={"responsible_person": '"><script>x</script>',
                                               "safety_problems": "<b>电线</b>\n私拉", "progress_note": "<i>已约谈</i>"})  # fmt: skip
    client.force_login(alice)
    html = _all_columns(client)
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "&lt;b&gt;电线&lt;/b&gt;<br>私拉" in html and "&lt;i&gt;已约谈&lt;/i&gt;</small>" in html
