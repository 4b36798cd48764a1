"""Row locks never deadlock with the audit chain.

The audit chain serialises appends with a lock held to the commit (audit/chain.py), and foreign keys are checked at
the commit (deferred): a child row's check takes FOR KEY SHARE on its parent. A FOR UPDATE on a parent (a town's
OrgUnit joined by select_related, a case) therefore blocked another transaction's commit while that one waited for
the audit lock: a deadlock, seen as 500s in the deadline load test (benchmarks/deadline.py). Every service lock is
FOR NO KEY UPDATE of its own row only, which serialises the changes it guards and never blocks a foreign-key check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection, transaction

from conftest import held_elsewhere, make_case

ROOT = Path(__file__).resolve().parent.parent / "sanluanwu"
LOCK = re.compile(r"select_for_update\(((?:[^()]|\([^()]*\))*)\)")


def test_every_service_lock_is_no_key_and_of_its_own_row_when_joined():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        for match in LOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            args = match.group(1)
            joined = text[match.end() : match.end() + 40].lstrip().startswith(".select_related(")
            if "no_key=True" not in args or (joined and 'of=("self",)' not in args):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: select_for_update({args})")
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db(transaction=True)
def test_a_locked_case_leaves_its_town_and_its_key_free_for_other_transactions(alice, campaign, district):
    if connection.vendor != "postgresql":
        pytest.skip("row lock modes are PostgreSQL's (SQLite locks the whole database)")
    from sanluanwu.remediation.services import _locked

    case = make_case(alice, district["hutang"], name="张三塑料造粒作坊", legal_person="张三")
    seen = {}
    with held_elsewhere(lambda: _locked(case)), transaction.atomic(), connection.cursor() as cursor:
        # What a deferred foreign-key check of a new row (a task, an inspection, a status change) takes.
        for table, pk in (("accounts_orgunit", case.town_id), ("registry_case", case.pk)):
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk])
            seen[table] = cursor.fetchone()
    assert seen == {"accounts_orgunit": (case.town_id,), "registry_case": (case.pk,)}
