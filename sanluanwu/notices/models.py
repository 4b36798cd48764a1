"""In-app notices: one row per recipient, read or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.Model):
    """A message to one user: a new task, a returned plan, a review or sign-off to give, a reporting reminder."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices",
                                  verbose_name="接收人")  # fmt: skip
    kind = models.CharField("类别", max_length=40)
    text = models.CharField("内容", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-id"], name="notice_recipient_idx")]

    def __str__(self) -> str:
        return self.text
