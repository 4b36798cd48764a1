"""Refusals that are security events themselves: personal data asked for in clear (a number revealed, an original
sheet downloaded) by someone the permission table does not let (helper-47: a refused unmasked export was audited, a
refused reveal was not). Recorded where the table answers no: the pages' decorators and the API's permission class.
The actions end as readings do (audit.memo: no remembered read is dropped for them)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sanluanwu.audit.services import record_event

AUDITED = {"person.reveal": "accounts.person.revealed", "import.download": "accounts.original.downloaded"}


def record(user: Any, code: str, reason: str, path: str, obj: Any = None) -> None:
    """A security event for a refusal of `code`, when it is one of AUDITED and the user is an account."""
    action = AUDITED.get(code)
    if action is None or not getattr(user, "pk", None):
        return
    with transaction.atomic():
        record_event(actor=user, action=action, obj=obj if obj is not None else user, note=f"{reason}（{path}）",
                     result="failure")  # fmt: skip
