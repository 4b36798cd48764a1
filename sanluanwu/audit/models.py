"""Append-only audit events: one per create, update or delete of business data, in the same transaction."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise RuntimeError("审计记录只能追加，不能修改")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise RuntimeError("审计记录只能追加，不能删除")


class AuditEvent(models.Model):
    """Who did what to which object, when, from which request; `changes` maps field → [old, new].

    The database refuses UPDATE, DELETE (triggers in migration 0002; on SQLite INSERT OR REPLACE too, 0004) and, on
    PostgreSQL, TRUNCATE by the application (0006), so even a raw query cannot rewrite history; and every event
    carries the hash of the one before (audit/chain.py, checked by `manage.py verify_audit`), so a row changed,
    inserted or removed behind the database's back is found. Nothing purges this table: security events are kept
    well past 网络安全法's 180 days and business history for the life of its record.
    """

    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name="操作人",
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    actor_name = models.CharField("操作人姓名", max_length=100, blank=True)
    org_unit_name = models.CharField("操作人单位", max_length=200, blank=True)
    action = models.CharField("操作", max_length=80)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=40)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    changes = models.JSONField("变更", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip = models.CharField("IP", max_length=64, blank=True)
    result = models.CharField("结果", max_length=10, default="success")
    # The one town whose records the event changed, when its writer says so (null: none, several, or not said). Read
    # by audit.memo only, to keep other towns' remembered lists (a task done in 湖塘镇 leaves 牛塘镇's list as it
    # was); not part of the hashed content (chain.CONTENT): a wrong town could only make a list be read again or
    # stale for MAX_AGE, never change the record.
    town_id = models.BigIntegerField("所属镇（街道）编号", null=True, blank=True, editable=False)
    # The hash chain (audit/chain.py): the hash of the event before this one, and this one's own.
    prev_hash = models.CharField("前序哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-occurred_at", "-id"]
        # The timeline on a detail page (events of one object, newest first) and events by action; with occurred_at's
        # index, that is all the queries there are. Every index costs each insert (an import writes two events per
        # row): none by actor or request until a query needs one, and plain b-trees (db_index on a CharField would
        # add a LIKE-only twin on PostgreSQL).
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("审计记录只能追加，不能修改")
        from sanluanwu.audit import chain

        self.prev_hash = chain.lock_head()
        self.hash = chain.seal({name: getattr(self, name) for name in chain.CONTENT}, self.prev_hash)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("审计记录只能追加，不能删除")


class UnitHead(models.Model):
    """The newest audit event of a topic that named an org unit (audit.memo's unit heads): one row per (topic, unit),
    moved forward inside the event's transaction, under the chain's append lock, so it only grows in commit order.
    Unit 0 (audit.memo.NO_UNIT): the newest event of the topic that named none (it may have changed any unit's rows).

    Not a record: a cache key of remembered reads, read by audit.memo only (a department's or utility's work list is
    kept while other units' tasks are done). Only topics registered with memo.register_unit_topic() have rows."""

    topic = models.CharField("主题", max_length=40)
    unit_id = models.BigIntegerField("单位编号")
    event_id = models.BigIntegerField("最新审计记录编号")

    class Meta:
        verbose_name = "单位最新审计记录"
        verbose_name_plural = "单位最新审计记录"
        constraints = [models.UniqueConstraint(fields=["topic", "unit_id"], name="audit_unithead_topic_unit")]

    def __str__(self) -> str:
        return f"{self.topic}:{self.unit_id} → {self.event_id}"
