"""Exporting base shared by every table the system writes: safe cells and download headers."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

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
_waiting = 0  # downloads of this process waiting for their turn


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
    machine took one client's median page from 3-4 ms to 17 ms (p90 74 ms); one at a time per process, 6-7 ms
    (p90 28 ms); built apart (build_apart) as idle (benchmarks/RESULTS.md, deadline reading)."""
    global _waiting
    turns = _semaphore()
    if not turns.acquire(blocking=False):
        # A download waiting for its turn holds one of the server process's threads: beyond EXPORTS_WAITING of them
        # the next is told to come back at once, so that threads remain for pages (helper-33: 40 downloads at once
        # took all 16 threads and a page waited 4.5 s).
        with _turns_lock:
            if _waiting >= settings.EXPORTS_WAITING:
                raise ExportsBusy
            _waiting += 1
        try:
            # Waited for in short sleeps, not by acquire(timeout=…): a lock's timed wait sleeps to a deadline the
            # kernel reads on the real clock, and under a moved clock (CI's faketime, a year ahead) it never came.
            deadline = time.perf_counter() + settings.EXPORT_WAIT_SECONDS
            while not turns.acquire(blocking=False):
                if time.perf_counter() >= deadline:
                    raise ExportsBusy
                time.sleep(0.05)
        finally:
            with _turns_lock:
                _waiting -= 1
    try:
        yield
    finally:
        turns.release()


# ---- building a file in a process of its own -------------------------------------------------------------------

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
# How much lower the builder's CPU priority is than the pages' (the background worker's, bin/serve).
BUILDER_NICENESS = 10


def _start_builder() -> None:
    os.nice(BUILDER_NICENESS)
    os.environ["SLW_DB_APPLICATION_NAME"] = "sanluanwu-builder"  # read by the settings, as the database's client name
    import django

    django.setup()


def _run(func: Callable[..., T], args: tuple[Any, ...]) -> T:
    from django.db import close_old_connections

    close_old_connections()  # a connection the database dropped since the last file is opened again
    try:
        return func(*args)
    finally:
        close_old_connections()


def _builder() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            import multiprocessing

            # spawn: a fresh interpreter, never a fork of a process with threads and open database connections.
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_builder)  # fmt: skip
        return _pool


def stop() -> None:
    """End the builder process (a server worker's exit; a test that started one)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def warm() -> None:
    """Start the builder process ahead of the first download (Django's start takes a second or two)."""
    if settings.EXPORTS_APART:
        _builder().submit(os.getpid)


class _Shared:
    """A build waiting for its turn, which identical requests arriving meanwhile wait for instead of building again."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


# Builds not yet started, by (function, arguments): a request for the same file joins one of them (see build_apart).
_pending: dict[tuple[Any, ...], _Shared] = {}


def build_apart(func: Callable[..., T], *args: Any) -> T:
    """func(*args), in its turn (one_at_a_time), in a process of its own at a lower CPU priority when
    settings.EXPORTS_APART (bin/serve): a workbook of tens of thousands of rows then holds neither the interpreter of
    the server process whose threads answer pages, nor the cores ahead of them. `func` is a module-level function and
    its arguments and result are plain values (ids, bytes, a file's path): they cross a process boundary. Without
    EXPORTS_APART (tests, `manage.py` commands) it runs here.

    The same file asked for while an identical build still waits for its turn (five officials downloading the
    district workbook at a deadline) is that build's result: it has not started, so it reads the records after this
    request came, exactly as a build of its own would. A build already under way is never joined (it may have read
    the records before this request). A joining request waits like a queued one and counts as one
    (EXPORTS_WAITING): it holds a server thread too. The result is shared: it must not be changed (bytes, a tuple)."""
    try:
        key: tuple[Any, ...] | None = (func.__module__, func.__qualname__, args)
        hash(key)
    except TypeError:
        key = None
    global _waiting
    with _turns_lock:
        shared = _pending.get(key) if key is not None else None
        if shared is not None:
            if _waiting >= settings.EXPORTS_WAITING:
                raise ExportsBusy
            _waiting += 1
    if shared is not None:
        try:
            # Short sleeps, as one_at_a_time waits (a timed wait never ends under CI's moved clock). The build it joined
            # waits EXPORT_WAIT_SECONDS for its turn at most, then takes as long as it takes: this waits as long.
            while not shared.done.is_set():
                time.sleep(0.05)
        finally:
            with _turns_lock:
                _waiting -= 1
        if shared.error is not None:
            raise shared.error
        return shared.result  # type: ignore[no-any-return]
    shared = _Shared()
    if key is not None:
        with _turns_lock:
            _pending[key] = shared
    try:
        with one_at_a_time():
            with _turns_lock:  # under way: a request from now on builds anew
                if key is not None and _pending.get(key) is shared:
                    del _pending[key]
            shared.result = _build(func, args)
        return shared.result  # type: ignore[no-any-return]
    except BaseException as exc:
        shared.error = exc
        raise
    finally:
        with _turns_lock:
            if key is not None and _pending.get(key) is shared:
                del _pending[key]
        shared.done.set()


def _build(func: Callable[..., T], args: tuple[Any, ...]) -> T:
    global _pool
    if not settings.EXPORTS_APART:
        return func(*args)
    try:
        return _builder().submit(_run, func, args).result()
    except BrokenProcessPool:
        # The builder died (out of memory, killed): the next file starts a new one; this one is built here.
        with _pool_lock:
            _pool = None
        return func(*args)
