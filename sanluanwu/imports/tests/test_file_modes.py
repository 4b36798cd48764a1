"""The preview's stored plan (rows of an uploaded sheet, phone numbers included) is the service user's only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sanluanwu.imports.models import StoredPlan
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.imports.tests.test_stored_plan import _previewed

pytestmark = pytest.mark.usefixtures("in_2020")


def test_an_uploaded_sheets_stored_plan_is_not_group_or_world_readable(alice, campaign, district, settings):
    before = os.umask(0o022)
    try:
        batch = _previewed(alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三")])
    finally:
        os.umask(before)
    stored = StoredPlan.objects.get(batch=batch)
    path = Path(settings.IMPORT_PLAN_ROOT) / stored.filename
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
