from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import enterprise_input
from sanluanwu.lookback import services
from sanluanwu.lookback.models import Target
from sanluanwu.registry import services as registry


def baseline_target(actor: Any, campaign: Any, town: Any, method: str, **enterprise: Any) -> Target:
    """A 2018-2019 enterprise remediated by `method`, and its place to check, built through the services."""
    e = registry.create_enterprise(actor=actor, data=enterprise_input(town, **enterprise), acknowledge_warnings=True)
    registry.record_baseline(actor=actor, enterprise=e, method=method, method_text=method,
                             completed_on=dt.date(2019, 5, 1))  # fmt: skip
    services.generate_targets(actor=actor, campaign=campaign, town=town)
    return Target.objects.get(enterprise=e)


@pytest.fixture
def shut_target(alice, campaign, district):
    return baseline_target(alice, campaign, district["hutang"], "shutdown")


@pytest.fixture
def rectified_target(alice, campaign, district):
    return baseline_target(alice, campaign, district["hutang"], "rectification", name="常州鑫达塑料制品有限公司",
                           licence_status="licensed", coordinates="119.9700, 31.7300")  # fmt: skip
