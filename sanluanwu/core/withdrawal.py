"""Withdrawal instead of deletion (等保 2.0, issue 11): a business record entered by mistake is withdrawn with a reason
and can be restored; it is never deleted. Defined once here; each app's services withdraw and restore their own
records (permission, effects on the parent, audit event) and their queries leave withdrawn rows out of lists, counts and
figures (`ACTIVE`), while the parent's history still shows them marked "已撤回" with the reason.

A restoration clears the marks: the record is as it was before. Who withdrew it, when and why (and who restored it and
why) stay in the audit trail, each event carrying its reason."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from sanluanwu.core import clock
from sanluanwu.core.errors import TransitionNotAllowed, ValidationFailed
from sanluanwu.core.text import clean_text, unsaid

REASON_CHARS = 300
# The rows still in play: lists, counts, figures, progress and exports read only these.
ACTIVE = Q(withdrawn_at__isnull=True)
WITHDRAWN_LABEL = "已撤回"


class Withdrawable(models.Model):
    """A record that is withdrawn (with who, when and why) instead of being deleted; restorable."""

    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="撤回人")  # fmt: skip
    withdrawal_reason = models.CharField("撤回理由", max_length=REASON_CHARS, blank=True)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]


def clean_reason(reason: Any, *, restoring: bool = False) -> str:
    """The reason, required and within its length; the message names the field (reason)."""
    what = "恢复理由" if restoring else "撤回理由"
    text = clean_text(reason if isinstance(reason, str) else "")
    if not text:
        raise ValidationFailed({"reason": [f"请填写{what}"]})
    if refusal := unsaid(text, what, example="重复录入"):
        raise ValidationFailed({"reason": [refusal]})
    if len(text) > REASON_CHARS:
        raise ValidationFailed({"reason": [f"{what}不超过 {REASON_CHARS} 字（现为 {len(text)} 字）"]})
    return text


def mark_withdrawn(record: Withdrawable, *, actor: Any, reason: str, what: str) -> dict[str, list[Any]]:
    """Set the marks on a (locked) record; the audit changes. The caller saves, inside its transaction."""
    if record.is_withdrawn:
        raise TransitionNotAllowed(f"该{what}已撤回")
    record.withdrawn_at = clock.now()
    record.withdrawn_by = actor if getattr(actor, "pk", None) else None
    record.withdrawal_reason = reason
    return {"withdrawn_at": [None, record.withdrawn_at.isoformat()], "withdrawal_reason": ["", reason]}


def mark_restored(record: Withdrawable, *, what: str) -> dict[str, list[Any]]:
    """Clear the marks on a (locked) withdrawn record; the audit changes (the withdrawal it undoes)."""
    if not record.is_withdrawn:
        raise TransitionNotAllowed(f"该{what}未撤回，无需恢复")
    withdrawn_at = record.withdrawn_at.isoformat()  # type: ignore[union-attr]
    changes: dict[str, list[Any]] = {"withdrawn_at": [withdrawn_at, None],
                                     "withdrawal_reason": [record.withdrawal_reason, ""]}  # fmt: skip
    record.withdrawn_at, record.withdrawn_by, record.withdrawal_reason = None, None, ""
    return changes


def refuse_if_withdrawn(record: Withdrawable, what: str) -> None:
    """A withdrawn record changes only by its restoring."""
    if record.is_withdrawn:
        raise TransitionNotAllowed(f"该{what}已撤回，不能修改；如确需办理，请由区办公室“恢复”并说明理由")
