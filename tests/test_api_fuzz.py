"""Schemathesis against the project's own OpenAPI schema: no input may make the API answer 500.

In-process (the WSGI application, no server), as alice (湖塘镇 manager) with a token, over records made through
the services so that ids exist: each generated case is sent as generated and once more with its path id set to
a real record of that kind. 40 examples an operation (FUZZ_EXAMPLES), derandomized so a failure repeats
(FUZZ_RANDOM=1 draws new ones): ~35 s per database on this machine. Every operation is included: the binary
downloads (photo image/original, 附件2 export) answer like any other view, whether the record exists or not.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from conftest import make_case
from sanluanwu.accounts.tokens import create_token
from sanluanwu.core import clock
from sanluanwu.imports.services import upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.lookback import services as lookback
from sanluanwu.lookback.tests.conftest import baseline_target
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))


@pytest.fixture
def in_process():
    """Django's test client keeps the test's connection open across requests; a bare WSGI call would close it
    at the end of each request (close_old_connections), ending the test's transaction on PostgreSQL."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def records(alice, ada, campaign, district, settings, tmp_path, in_process) -> dict[str, int]:
    """One record of every kind the API addresses by id, made as users would."""
    settings.PHOTO_ROOT = tmp_path / "photos"
    case = make_case(alice, district["hutang"], case={"planned_completion": clock.today() + dt.timedelta(days=30)})
    target = baseline_target(alice, campaign, district["hutang"], "shutdown", name="李四木材加工作坊",
                             legal_person="李四", phone="13900002222", coordinates="119.9660, 31.7260")  # fmt: skip
    lookback.assign_targets(actor=alice, targets=[target], inspector=ada)
    inspection = lookback.start_inspection(actor=alice, target=target)
    photo = lookback.add_photo(actor=alice, inspection=inspection, data=jpeg_with_exif(), filename="a.jpg")
    batch = upload_import(actor=alice, data=messy_xlsx([]), filename="a.xlsx", kind="list", unit=district["hutang"])
    return {"cases": case.pk, "enterprises": case.enterprise_id, "imports": batch.pk, "targets": target.pk,
            "inspections": inspection.pk, "photos": photo.pk}  # fmt: skip


def _schema() -> Any:
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    # The coverage phase (boundary and wrong-type values of every parameter) alone takes ~50 s on SQLite and
    # ~100 s on PostgreSQL here: FUZZ_COVERAGE=1 runs it (it passes); the suite runs examples and fuzzing.
    loaded.config.phases.coverage.enabled = bool(os.environ.get("FUZZ_COVERAGE"))
    return loaded


schema = _schema()  # the schema view needs no database: loaded once, at collection


def _known_id(path: str, records: dict[str, int]) -> int | None:
    kind = re.match(r"/api/v1/(?:lookback/)?([a-z]+)/\{", path)
    return records.get(kind.group(1)) if kind else None


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_input_makes_the_api_fail(case: Any, records: dict[str, int], alice) -> None:
    _token, secret = create_token(actor=alice)
    headers = {"Authorization": f"Token {secret}"}
    case.validate_response(case.call(headers=headers), checks=[not_a_server_error])
    known = _known_id(case.operation.path, records)
    if known is not None and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = known
        case.validate_response(case.call(headers=headers), checks=[not_a_server_error])
