from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import make_case, make_user
from sanluanwu.core import clock
from sanluanwu.demo.walk import Parties


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


@pytest.fixture
def gina(district):  # 工信局: confirms shutdowns, signs them off
    return make_user("gina", "department_staff", district["gxj"])


@pytest.fixture
def walt(district):  # 水务公司
    return make_user("walt", "utility_staff", district["shuiwu"])


@pytest.fixture
def sam(district):  # 市场监管局
    return make_user("sam", "department_staff", district["scjgj"])


@pytest.fixture
def parties(office, alice, ada, gina, dora, uma, walt, sam):
    """Everyone a hutang case needs: alice manages, ada inspects, the departments and utilities own their tasks."""
    return Parties({"hutang": alice, "hutang_xj": ada}, office)


@pytest.fixture
def case(alice, campaign, district):
    return make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30)})
