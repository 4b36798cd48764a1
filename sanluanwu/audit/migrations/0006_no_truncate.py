"""PostgreSQL: TRUNCATE of the audit table is refused to every role but its owner (the migration role).

Row triggers do not fire on TRUNCATE. The application's role is not granted TRUNCATE anyway (`setup_db_roles`);
this statement trigger also refuses it should the privilege be granted by mistake. The owner keeps it (the test
runner's flush between transactional tests), as the owner could drop the trigger anyway: the guarantee is
about the application's role, which the migration role is separate from (MIGRATION_DATABASE_URL).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_PG_UP = """
CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$
BEGIN
  IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    RAISE EXCEPTION 'audit_auditevent is append-only';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate();
"""
_PG_DOWN = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_no_truncate();
"""


def _run(statements: str) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statements)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_hash_chain")]
    operations = [migrations.RunPython(_run(_PG_UP), _run(_PG_DOWN))]
