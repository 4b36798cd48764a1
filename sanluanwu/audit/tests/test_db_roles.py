"""PostgreSQL: the application's role may read and append audit events, never rewrite or empty the log."""

from __future__ import annotations

import os

import pytest
from django.db import DatabaseError, connection, transaction

from sanluanwu.audit import dbroles
from sanluanwu.audit.models import AuditEvent
from sanluanwu.audit.services import record_event

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="database roles are PostgreSQL's"
)


@pytest.fixture
def app_role(alice, campaign):
    """A role granted as `setup_db_roles` grants the application's (created inside the test's transaction)."""
    role = f"slw_app_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        dbroles.grant_application_role(cursor, role, database=connection.settings_dict["NAME"])
        with transaction.atomic():
            record_event(actor=alice, action="test.before", obj=alice)
        cursor.execute(f'SET ROLE "{role}"')
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def refused(statement: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as exc:
        return "permission denied" in str(exc)
    return False


def test_the_application_role_is_refused_update_delete_and_truncate_of_the_audit_log(app_role):
    assert refused("UPDATE audit_auditevent SET note = 'x'")
    assert refused("DELETE FROM audit_auditevent")
    assert refused("TRUNCATE audit_auditevent")


def test_the_application_role_reads_and_appends_audit_events_and_writes_business_tables(app_role, alice):
    with transaction.atomic():
        record_event(actor=alice, action="test.after", obj=alice)
    assert AuditEvent.objects.filter(action__startswith="test.").count() == 2
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET first_name = first_name WHERE id = %s", [alice.pk])


def test_even_granted_truncate_the_database_refuses_it_to_any_role_but_the_owner(app_role):
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f'GRANT TRUNCATE ON audit_auditevent TO "{app_role}"')
        cursor.execute(f'SET ROLE "{app_role}"')
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
