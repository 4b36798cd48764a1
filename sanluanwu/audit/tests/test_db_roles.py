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


# The commands themselves, as an operator runs them: a throw-away application role named by DATABASE_URL, the
# test's own role (the schema's owner) as MIGRATION_DATABASE_URL.


@pytest.fixture
def as_application(settings, transactional_db, alice, campaign):
    """DATABASE_URL names a throw-away application role (not created yet); MIGRATION_DATABASE_URL the owner. Yields the
    role's name and a function that reconnects as the owner; the role and its grants are dropped afterwards."""
    role = f"slw_app_cmd_{os.getpid()}"
    app = connection.settings_dict
    owner = {key: app[key] for key in ("USER", "PASSWORD")}
    password = f":{owner['PASSWORD']}" if owner["PASSWORD"] else ""
    settings.MIGRATION_DATABASE_URL = (f"postgres://{owner['USER']}{password}@{app['HOST'] or '127.0.0.1'}:"
                                       f"{app['PORT'] or 5432}/{app['NAME']}")  # fmt: skip
    with transaction.atomic():
        record_event(actor=alice, action="test.before", obj=alice)

    def reconnect_as_owner() -> None:
        connection.close()
        app.update(owner)

    connection.close()
    app.update({"USER": role, "PASSWORD": ""})
    yield role, reconnect_as_owner
    reconnect_as_owner()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _may_only_read_and_append_the_audit_log(role: str, alice) -> None:
    """Under SET ROLE: UPDATE, DELETE and TRUNCATE of the audit table refused; SELECT and INSERT (an event recorded
    through the service) work; business tables are written."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        assert refused("UPDATE audit_auditevent SET note = 'x'")
        assert refused("DELETE FROM audit_auditevent")
        assert refused("TRUNCATE audit_auditevent")
        with transaction.atomic():
            record_event(actor=alice, action="test.after", obj=alice)
        assert list(AuditEvent.objects.filter(action__startswith="test.").order_by("id").values_list("action", flat=True)) == [
            "test.before", "test.after"]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET first_name = first_name WHERE id = %s", [alice.pk])
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.mark.django_db(transaction=True)
def test_setup_db_roles_creates_the_application_role_that_may_only_read_and_append_the_audit_log(as_application,
                                                                                                 alice):  # fmt: skip
    from io import StringIO

    from django.core.management import call_command

    role, reconnect_as_owner = as_application
    out = StringIO()
    call_command("setup_db_roles", stdout=out)
    assert f"应用角色 {role}已创建并授权" in out.getvalue()
    assert connection.settings_dict["USER"] == role  # the command gave the application's connection back
    reconnect_as_owner()
    _may_only_read_and_append_the_audit_log(role, alice)


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_as_the_owner_and_grants_the_application_role_again(as_application, alice):
    from io import StringIO

    from django.core.management import call_command

    role, reconnect_as_owner = as_application
    err = StringIO()
    call_command("migrate", verbosity=0, interactive=False, stderr=err)
    assert f"应用角色 {role} 尚不存在" in err.getvalue()  # migrated as the owner all the same
    reconnect_as_owner()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')  # made by hand, without any grant
    connection.settings_dict["USER"] = role
    call_command("migrate", verbosity=0, interactive=False, stderr=err)
    reconnect_as_owner()
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'audit_auditevent', 'INSERT'), "
                       "has_table_privilege(%s, 'audit_auditevent', 'UPDATE')", [role, role])  # fmt: skip
        assert cursor.fetchone() == (True, False)
    _may_only_read_and_append_the_audit_log(role, alice)
