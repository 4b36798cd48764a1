"""A new enterprise in a sheet that may be one on record is said so in the preview, in the words and by the rule
(registry.similarity) that the case form warns with; a real newcomer is not."""

from __future__ import annotations

import pytest

from conftest import make_case
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import clerk_xlsx
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Enterprise

pytestmark = pytest.mark.usefixtures("in_2020")


def _preview(actor, unit, rows):
    batch = upload_import(actor=actor, data=clerk_xlsx(rows), filename="湖塘镇.xlsx", kind="list", unit=unit)
    return preview_import(actor=actor, batch=batch)


def test_a_renamed_workshop_of_the_same_person_at_the_same_place_is_flagged_but_a_newcomer_is_not(
    client, alice, campaign, district
):
    known = make_case(alice, district["hutang"], name="白霞喷涂作坊", legal_person="白霞", industry="喷涂",
                      coordinates="119.965000, 31.725000")  # fmt: skip
    rows = [
        _row(1, "白霞喷涂个体户", "白霞", industry="喷涂", coords="119.965, 31.725"),
        _row(2, "钱七木材加工作坊", "钱七", industry="木材加工", coords="119.990, 31.760"),
    ]
    batch = _preview(alice, district["hutang"], rows)
    assert batch.counts["new"] == 2, batch.preview["errors"]
    by_row = {r["row"]: r for r in batch.preview["rows"]}
    flagged = next(r for r in by_row.values() if r["name"] == "白霞喷涂个体户")
    newcomer = next(r for r in by_row.values() if r["name"] == "钱七木材加工作坊")
    assert len(flagged["warnings"]) == 1 and "与已登记的企业“白霞喷涂作坊”是同一家" in flagged["warnings"][0]
    assert "白霞" in flagged["warnings"][0] and "登记名称" in flagged["warnings"][0]
    assert not newcomer["warnings"]
    assert batch.preview["warnings"] == [{"sheet": flagged["sheet"], "row": flagged["row"], "name": "白霞喷涂个体户",
                                          "message": flagged["warnings"][0]}]  # fmt: skip
    assert batch.preview["rows"][0]["name"] == "白霞喷涂个体户"  # shown first, before the plain new rows
    client.force_login(alice)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="similar-warnings"' in page and "⚠ " in page
    confirm_import(actor=alice, batch=batch)  # a warning never blocks: the clerk may know better
    assert Enterprise.objects.filter(town=district["hutang"]).exclude(pk=known.enterprise_id).count() == 2


def test_a_town_with_nothing_on_record_has_no_warnings_to_give(alice, campaign, district):
    batch = _preview(
        alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四木材加工作坊", "李四")]
    )
    assert batch.counts["new"] == 2
    assert batch.preview["warnings"] == []
