"""core.widgets.FastSelect writes exactly the markup of Django's own select templates."""

from __future__ import annotations

import pytest
from django import forms

from sanluanwu.core.widgets import FastSelect

CHOICES = [
    [("", "全部"), *[(str(i), f"镇<{i}>&“{i}”") for i in range(20)]],
    [("分组", [("a", "甲"), ("b", "乙")]), ("c", "丙"), ("", "全部")],
]


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("value", ["3", None, "", "a", ["b"], "<x>"])
def test_a_fast_select_renders_what_djangos_template_renders(choices, value):
    attrs = {"id": "id_town", "required": True, "disabled": False, "data-x": '"quoted" <b>'}
    assert FastSelect(choices=choices).render("town", value, attrs) == forms.Select(choices=choices).render(
        "town", value, attrs
    )
