"""Free text on every path (form, API, import, look-back): limited to what the record and a 附件2 cell hold, with
control characters and bidirectional overrides removed, line breaks kept where a column holds several lines."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sanluanwu.registry import columns
from sanluanwu.registry.models import Case
from sanluanwu.registry.tests.test_api import _payload

BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "作坊\u202ecod.exe" would read backwards


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_every_text_column_has_a_limit_a_spreadsheet_cell_can_hold():
    for column in columns.BY_KEY.values():
        if column.text:
            assert column.max_length and column.max_length <= 32_767, column.key


def test_the_api_strips_controls_and_overrides_and_keeps_line_breaks(alice, campaign, district):
    body = _payload(
        district,
        name=f"张三{BIDI}塑料造粒作坊",
        env_problems="废气直排\x07\n废水\x1b外排",
        responsible_person="李\u2066四",
    )
    response = _api(alice).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get()
    assert case.enterprise.name == "张三塑料造粒作坊"
    assert case.env_problems == "废气直排\n废水外排" and case.responsible_person == "李四"


@pytest.mark.parametrize("field", ["env_problems", "responsible_person", "address"])
def test_a_text_over_its_limit_is_refused_with_the_columns_name(alice, campaign, district, field):
    limit = columns.BY_KEY[field].max_length
    response = _api(alice).post("/api/v1/cases/", _payload(district, **{field: "字" * (limit + 1)}), format="json")
    assert response.status_code == 400
    assert str(limit) in " ".join(response.json()[field])


def test_an_import_strips_controls_and_refuses_an_overlong_cell(alice, campaign, district, in_2020):
    from sanluanwu.imports.services import preview_import, upload_import
    from sanluanwu.imports.tests.sheets import messy_xlsx
    from sanluanwu.imports.tests.test_import_list import _row

    rows = [
        _row(1, f"张三{BIDI}塑料造粒作坊", "张三", env="废气\u2066直排"),
        _row(2, "李四木材加工作坊", "李四", env="废" * 2001),
    ]
    batch = upload_import(
        actor=alice, data=messy_xlsx(rows), filename="a\x00b.xlsx", kind="list", unit=district["hutang"]
    )
    batch = preview_import(actor=alice, batch=batch)
    assert batch.filename == "ab.xlsx"
    assert batch.counts["new"] == 1 and batch.counts["error"] == 1
    assert "最多 2000 个字" in batch.preview["errors"][0]["message"]
    new = next(r for r in batch.preview["rows"] if r["outcome"] == "new")
    assert new["name"] == "张三塑料造粒作坊"


def test_an_inspection_strips_controls_from_its_findings(ada, alice, campaign, district):
    from sanluanwu.lookback import services

    place = services.add_place(actor=alice, campaign=campaign, town=district["hutang"], kind="rental", name="出租房",
                               address="湖塘镇1号")  # fmt: skip
    draft = services.start_inspection(actor=ada, target=place)
    response = _api(ada).patch(f"/api/v1/lookback/inspections/{draft.pk}/",
                               {"version": draft.version, "env_problems": f"堆放{BIDI}原料\x00\n异味"}, format="json")  # fmt: skip
    assert response.status_code in (200, 400)
    draft.refresh_from_db()
    assert "\u202e" not in draft.env_problems and "\x00" not in draft.env_problems
    if response.status_code == 200:
        assert draft.env_problems == "堆放原料\n异味"


def test_a_nul_the_api_refuses_is_said_as_what_it_is(alice, hutang_case):
    response = _api(alice).patch(f"/api/v1/cases/{hutang_case.pk}/",
                                 {"version": hutang_case.version, "responsible_person": "李\x00四"}, format="json")  # fmt: skip
    assert response.status_code == 400, response.json()  # DRF's field refuses it before our stripping sees it
    said = str(response.json()["responsible_person"])
    assert "不能包含空字符" in said and "空字符串" not in said  # Django's own Chinese says "an empty string"
