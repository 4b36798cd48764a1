"""Exporting base shared by every table the system writes: safe cells and download headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.http import content_disposition_header

# A spreadsheet runs text that starts with these as a formula (CSV injection, ASVS 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(value: str) -> str:
    """Text for a CSV cell: a leading formula trigger is neutralised with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def attachment_header(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the RFC 5987 UTF-8 name (Chinese file names)."""
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportsBusy(Exception):
    """No turn to build a file came within settings.EXPORT_WAIT_SECONDS: answered 503 with Retry-After
    (core.middleware), the user downloads again in a moment."""


_turns: tuple[int, threading.BoundedSemaphore] | None = None
_turns_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    global _turns
    with _turns_lock:
        if _turns is None or _turns[0] != settings.EXPORTS_AT_ONCE:
            _turns = (settings.EXPORTS_AT_ONCE, threading.BoundedSemaphore(settings.EXPORTS_AT_ONCE))
        return _turns[1]


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """A large file (the district workbook, a 附件2 of a whole town, the campaign summary) is built by at most
    settings.EXPORTS_AT_ONCE threads of a server process at a time; the others wait for their turn without using the
    CPU. A build holds the interpreter for a second or more: five at once in the two server processes of a 2-core
    machine made every page of the people working beside them 4-5 × slower (benchmarks/RESULTS.md, deadline); one
    at a time per process they were not slowed, and the last of five files came no later."""
    turns = _semaphore()
    if not turns.acquire(timeout=settings.EXPORT_WAIT_SECONDS):
        raise ExportsBusy
    try:
        yield
    finally:
        turns.release()
