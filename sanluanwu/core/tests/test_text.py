"""Words as people read them: an address on one line."""

from __future__ import annotations

from sanluanwu.core.text import full_address


def test_an_address_names_its_town_and_village_once():
    assert full_address("湖塘镇", "新华村", "人民路8号") == "湖塘镇 新华村 人民路8号"
    assert full_address("湖塘镇", "新华村", "湖塘镇新华村人民路8号") == "湖塘镇新华村人民路8号"
    assert full_address("湖塘镇", "", "新华村人民路8号") == "湖塘镇 新华村人民路8号"
    assert full_address("湖塘镇", "新华村", "湖塘镇人民路8号") == "新华村 湖塘镇人民路8号"
