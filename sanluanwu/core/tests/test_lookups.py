"""core.lookups: `__any_of` finds what `__in` finds, sent as one array on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_case, walk_case
from sanluanwu.registry.models import Case, CaseStatusChange


@pytest.mark.parametrize("pick", [[], [None], "all", "first-and-missing", "with-none"])
def test_any_of_finds_what_in_finds_on_a_key_and_on_a_foreign_key(alice, bob, campaign, district, pick):
    cases = [make_case(alice, district["hutang"]), make_case(bob, district["niutang"], name="王五木材加工作坊",
                                                              legal_person="王五", industry="木材加工")]  # fmt: skip
    ids = [c.pk for c in cases]
    named = {"all": ids, "first-and-missing": [ids[0], max(ids) + 1000], "with-none": [ids[1], None]}
    wanted = named[pick] if isinstance(pick, str) else pick
    assert list(Case.objects.filter(pk__any_of=wanted).order_by("pk")) == list(
        Case.objects.filter(pk__in=wanted).order_by("pk")
    )
    assert list(CaseStatusChange.objects.filter(case_id__any_of=wanted).order_by("pk")) == list(
        CaseStatusChange.objects.filter(case_id__in=wanted).order_by("pk")
    )
    assert list(CaseStatusChange.objects.filter(case__any_of=wanted).order_by("pk")) == list(
        CaseStatusChange.objects.filter(case__in=wanted).order_by("pk")
    )


def test_any_of_sends_5000_ids_as_one_parameter_on_postgresql(alice, campaign, district):
    case = make_case(alice, district["hutang"])
    walk_case(case, "stopped")
    ids = [case.pk, *range(10**9, 10**9 + 4999)]
    with CaptureQueriesContext(connection) as queries:
        found = list(CaseStatusChange.objects.filter(case_id__any_of=ids).values_list("case_id", flat=True))
    assert set(found) == {case.pk}
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count(str(10**9 + 4998)) == 1 and " IN (" not in sql
    else:
        assert " IN (" in sql
