"""PostgreSQL roles: the migration role owns the schema; the application's role may not rewrite the audit log.

settings.DATABASES["default"] names the application's role (DATABASE_URL). MIGRATION_DATABASE_URL, when set,
names the schema's owner: `manage.py migrate` (and `setup_db_roles`, `backup`, `restore`) connect as it instead,
and every `migrate` grants the application's role again, so tables added later follow the same rule:
DML on everything, but on the audit table only SELECT and INSERT (no UPDATE, DELETE, TRUNCATE).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connections
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"
# The database is the same one (its name, a test run's included, stays): only who connects changes.
_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


@contextlib.contextmanager
def as_migration_role(alias: str = "default") -> Iterator[dict[str, Any]]:
    """Connect `alias` as the migration role for the block (when MIGRATION_DATABASE_URL is set); yields the
    application's connection settings as they were."""
    connection = connections[alias]
    app = dict(connection.settings_dict)
    url = getattr(settings, "MIGRATION_DATABASE_URL", "")
    if not url or alias != "default":
        yield app
        return
    owner = dj_database_url.parse(url)
    connection.close()
    settings_dict: dict[str, Any] = connection.settings_dict  # type: ignore[assignment]
    settings_dict.update({key: owner.get(key) for key in _KEYS})
    try:
        yield app
    finally:
        connection.close()
        settings_dict.update({key: app[key] for key in _KEYS})


def grant_application_role(cursor: Any, role: str, *, database: str | None = None) -> None:
    """Privileges of the application's role on every table and sequence in the schema (run as the owner)."""
    name = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
            sql.Identifier(AUDIT_TABLE), name
        ),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}").format(
            name
        ),
    ]
    cursor.execute("SELECT to_regclass(%s)", [AUDIT_TABLE])
    if cursor.fetchone()[0] is None:  # before the first migrate: the migrate after it grants again
        statements = [s for s in statements if AUDIT_TABLE not in s.as_string(cursor.connection)]
    if database:
        statements.insert(0, sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name))
    for statement in statements:
        cursor.execute(statement)


def create_application_role(cursor: Any, role: str, password: str | None) -> bool:
    """Create the application's login role if it does not exist; True if created."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone():
        return False
    statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(sql.Identifier(role))
    if password:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    cursor.execute(statement)
    return True
