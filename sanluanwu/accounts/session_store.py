"""The session store: Django's database sessions, with the row read by one plain SQL statement.

Every logged-in request loads its session. Django's db backend builds that SELECT through the ORM each time (a
queryset, a compiler, a model instance): about a fifth of a trivial page's Python time. The statement here is the
same one (the key, not expired), so expiry, saving, flushing and `log out everywhere` (which deletes the rows) are
Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import connections, router

from sanluanwu.core import clock


class SessionStore(DbSessionStore):
    def load(self) -> dict[str, Any]:
        key = self.session_key
        if not key:
            return {}
        model = self.model
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {model._meta.db_table} WHERE session_key = %s AND expire_date > %s",
                [key, clock.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django does: a missing or expired key starts a new session
            return {}
        return self.decode(row[0])
