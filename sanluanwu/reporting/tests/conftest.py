"""Fixtures of the reporting tests: a clock to move and a campaign of our own dates (never the real date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.campaigns.models import Campaign
from sanluanwu.reporting.tests.steps import SHANGHAI, new_campaign

# The test campaign: July and August 2020, 湖塘 and 牛塘 taking part.
STARTS = dt.date(2020, 7, 1)
ENDS = dt.date(2020, 8, 31)


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    """Photos (the walk's evidence, a brief's) go to the test's own directory."""
    settings.PHOTO_ROOT = tmp_path / "photos"


@pytest.fixture
def travel(time_machine: Any) -> Any:
    """`travel(day, hour=10)`: from now on it is that day and hour in the district (the clock stands still)."""

    def go(day: dt.date, hour: int = 10, minute: int = 0) -> None:
        time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False)

    return go


@pytest.fixture
def summer(district: dict[str, OrgUnit], travel: Any) -> Campaign:
    """A campaign of July and August 2020 (湖塘, 牛塘); today is 2020-07-01."""
    travel(STARTS)
    return new_campaign(
        "测试专项行动（2020年夏）", STARTS, ENDS, [district["hutang"], district["niutang"]], today=STARTS
    )
