"""Schemathesis against the project's own OpenAPI schema: no input may make the API answer 500.

In-process (the WSGI application, no server), as alice (湖塘镇 manager) and as uma (供电公司, a utility user who sees
only the cases her unit holds a task on) with a token from the token endpoint, over records made through the
services so that ids exist: each generated case is sent as generated and once more with its path id set to a real
record of that kind. 40 examples an operation for alice (FUZZ_EXAMPLES), 15 for uma (FUZZ_EXAMPLES_SECOND: most of
her answers are 403/404, the same code paths), derandomized so a failure repeats (FUZZ_RANDOM=1 draws new ones). Every operation is included: the binary
downloads (photo image/original, 附件2 export) answer like any other view, whether the record exists or not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from conftest import make_case, walk_case
from sanluanwu.core import clock
from sanluanwu.imports.services import upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.lookback import services as lookback
from sanluanwu.lookback.tests.conftest import baseline_target
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SECOND_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES_SECOND", "15"))


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


@pytest.fixture
def utility_records(records: dict[str, int], uma, district) -> dict[str, int]:
    """The same records, the case taken on to its 两断三清 tasks: the utility (uma) is given its power cut."""
    from sanluanwu.registry.models import Case

    case = walk_case(Case.objects.get(pk=records["cases"]), "confirmed")
    return {**records, "tasks": case.tasks.get(owner_unit=district["gongdian"]).pk}


def _schema() -> Any:
    """The schema /api/v1/schema/ serves (the same generator, rendered the same way), built here because the server
    gives it to logged-in users only and collection has no database to log in with."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from config.wsgi import application

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application
    loaded.location = "/api/v1/schema/"
    # The coverage phase (boundary and wrong-type values of every parameter) alone takes ~50 s on SQLite and
    # ~100 s on PostgreSQL here: FUZZ_COVERAGE=1 runs it (it passes); the suite runs examples and fuzzing.
    loaded.config.phases.coverage.enabled = bool(os.environ.get("FUZZ_COVERAGE"))
    return loaded


schema = _schema()  # the schema view needs no database: loaded once, at collection


def _known_id(path: str, records: dict[str, int]) -> int | None:
    kind = re.match(r"/api/v1/(?:lookback/|remediation/)?([a-z]+)/\{", path)
    return records.get(kind.group(1)) if kind else None


def _token_headers(user: Any) -> dict[str, str]:
    """A token as a client obtains one (the token endpoint, through the same WSGI application the cases call), whatever
    the token model behind it. Not Django's test client: it would reconnect the connection closing `in_process` lifts."""
    from werkzeug.test import Client

    from config.wsgi import application

    response = Client(application).post("/api/v1/auth/token/",
                                         json={"username": user.username, "password": "Secret#2020"})  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Token {response.get_json()['token']}"}


def _fuzz(case: Any, records: dict[str, int], headers: dict[str, str]) -> None:
    case.validate_response(case.call(headers=headers), checks=[not_a_server_error])
    known = _known_id(case.operation.path, records)
    if known is not None and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = known
        case.validate_response(case.call(headers=headers), checks=[not_a_server_error])


@pytest.fixture
def alice_headers(records: dict[str, int], alice) -> dict[str, str]:
    return _token_headers(alice)


@pytest.fixture
def uma_headers(utility_records: dict[str, int], uma) -> dict[str, str]:
    return _token_headers(uma)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_input_makes_the_api_fail_for_a_town_user(case: Any, records: dict[str, int], alice_headers) -> None:
    _fuzz(case, records, alice_headers)


@schema.parametrize()
@settings(max_examples=SECOND_EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_input_makes_the_api_fail_for_a_utility_user(case: Any, utility_records: dict[str, int],
                                                        uma_headers) -> None:  # fmt: skip
    _fuzz(case, utility_records, uma_headers)
