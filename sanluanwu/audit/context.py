"""Request (or job) context that audit events carry: request id and client address."""

from __future__ import annotations

import contextvars
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("slw_request_id", default="")
client_ip_var: contextvars.ContextVar[str] = contextvars.ContextVar("slw_client_ip", default="")


def current_request_id() -> str:
    """The request id, or a fresh one per call outside a request (commands, jobs)."""
    return request_id_var.get() or f"job-{uuid.uuid4().hex[:16]}"
