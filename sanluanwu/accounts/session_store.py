"""The session store: Django's database sessions, with the row read by one plain SQL statement.

Every logged-in request loads its session. Django's db backend builds that SELECT through the ORM each time (a
queryset, a compiler, a model instance): about a fifth of a trivial page's Python time. The statement here is the
same one (the key, not expired), so expiry, flushing and `log out everywhere` (which deletes the rows) are Django's
own.

Saving merges. Django writes the whole session a request loaded: two requests of one session at once (a page and
its script's call, a tab per screen), the one that finishes last wrote back what it had read before the other's
change. Its once-a-minute "last seen" could so undo the two-factor step just passed (the session fell back to
"code required") or a message. Here a save writes the keys this request set or deleted onto the row as it now stands
(read again under a row lock on PostgreSQL); a session emptied (logout, login's new key) or changed in place without
a key being set is written whole, as Django does.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import connections, router, transaction

from sanluanwu.core import clock

_DELETED = object()


class SessionStore(DbSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._changes: dict[str, Any] = {}
        self._whole = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changes[key] = value

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changes[key] = _DELETED

    def pop(self, key: str, *args: Any) -> Any:
        had = key in self
        value = super().pop(key, *args)
        if had:
            self._changes[key] = _DELETED
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        values = dict(*args, **kwargs)
        super().update(values)
        self._changes.update(values)

    def clear(self) -> None:
        super().clear()
        self._whole = True

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None or self._whole or not self._changes:
            super().save(must_create=must_create)
            return
        using = router.db_for_write(self.model)
        connection = connections[using]
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT session_data FROM {self.model._meta.db_table} WHERE session_key = %s{lock}",
                               [self.session_key])  # fmt: skip
                row = cursor.fetchone()
            if row is not None:  # gone (log out everywhere): Django's save refuses it below, as it should
                stored = self.decode(row[0])
                for key, value in self._changes.items():
                    if value is _DELETED:
                        stored.pop(key, None)
                    else:
                        stored[key] = value
                self._session_cache = stored
            super().save(must_create=False)
        self._changes = {}

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
