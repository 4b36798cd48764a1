"""One wording everywhere: 第一类 … 第四类 (填写说明 3), and towns by their full name in lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import make_case
from sanluanwu.accounts.scope import scope_for
from sanluanwu.registry.cells import parse_category
from sanluanwu.registry.choices import LookbackCategory, category_short
from sanluanwu.registry.filters import CaseFilter

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "expected"), [(1, "第一类"), (2, "第二类"), ("3", "第三类"), (4, "第四类")])
def test_a_category_reads_as_in_the_document(value, expected):
    assert category_short(value) == expected
    assert LookbackCategory(int(value)).label.startswith(expected + "：")


@pytest.mark.parametrize("value", [None, "", 0, 5, "x"])
def test_no_category_reads_as_nothing(value):
    assert category_short(value) == ""


def test_no_template_or_module_writes_a_category_number_itself():
    """Every 第…类 goes through category_short (or the choice label), never 第{{ n }}类 or its own digit table."""
    own_wording = re.compile(r"第\{\{?[^}]*\}?\}类|'一二三四'|\"一二三四\"")
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for pattern in ("*.html", "*.py")
        for path in [*PACKAGE.rglob(pattern), *PACKAGE.parent.joinpath("templates").rglob(pattern)]
        if "tests" not in path.parts and own_wording.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_list_filter_and_the_importer_use_the_same_words(office, campaign):
    form = CaseFilter(scope=scope_for(office)).form
    labels = [label for value, label in form.fields["category"].choices if value]
    assert labels == ["第一类", "第二类", "第三类", "第四类"]
    assert parse_category("3").shown == "3 → 第三类"
    assert parse_category("复产").shown == "复产 → 第一类"


def test_the_case_list_shows_the_category_in_words_and_the_towns_full_name(client, alice, campaign, district):
    make_case(alice, district["hutang"])
    client.force_login(alice)
    html = client.get("/cases/").content.decode()
    assert ">第一类</span>" in html and "第1类" not in html
    assert re.search(r'<td data-label="所属镇（街道）">\s*湖塘镇\s*</td>', html)


def test_the_enterprise_list_shows_the_towns_full_name(client, alice, hutang_case):
    client.force_login(alice)
    html = client.get("/enterprises/").content.decode()
    assert '<td data-label="镇（街道）">湖塘镇</td>' in html
