"""Large files are built one at a time per server process, and under bin/serve in a process of their own at a lower
CPU priority (core.exporting), so that pages keep the interpreter and the cores while a district workbook is made."""

from __future__ import annotations

import os

import pytest

from sanluanwu.core import exporting


def where() -> tuple[int, int]:
    """The process a build ran in and its niceness (module level: it crosses the process boundary)."""
    return os.getpid(), os.nice(0)


def fail() -> None:
    from sanluanwu.core.errors import ValidationFailed

    raise ValidationFailed("无法生成")


@pytest.fixture
def apart(settings):
    settings.EXPORTS_APART = True
    yield
    exporting.stop()


def test_a_file_is_built_in_a_process_of_its_own_at_a_lower_priority(apart):
    pid, niceness = exporting.build_apart(where)
    assert pid != os.getpid()
    assert niceness >= min(19, os.nice(0) + exporting.BUILDER_NICENESS)
    assert exporting.build_apart(where)[0] == pid  # the same builder for the next file: started once


def test_a_builders_refusal_reaches_the_request_as_the_same_error(apart):
    from sanluanwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        exporting.build_apart(fail)
    assert "无法生成" in str(exc.value)


def test_without_the_setting_a_file_is_built_where_it_is_asked_for(settings):
    settings.EXPORTS_APART = False
    assert exporting.build_apart(where) == (os.getpid(), os.nice(0))


def test_beyond_the_downloads_allowed_to_wait_the_next_is_told_at_once_so_threads_remain_for_pages(settings):
    import threading
    import time

    settings.EXPORTS_WAITING = 1
    settings.EXPORT_WAIT_SECONDS = 0.5
    turns = exporting._semaphore()
    assert turns.acquire(blocking=False)  # a file is being built
    outcome: list[str] = []
    waiting = threading.Thread(target=_wait_once, args=(outcome,))
    try:
        waiting.start()
        time.sleep(0.1)  # the first download is waiting now
        started = time.perf_counter()
        with pytest.raises(exporting.ExportsBusy), exporting.one_at_a_time():
            pass
        assert time.perf_counter() - started < 0.1  # refused at once, not after the wait
    finally:
        waiting.join()
        turns.release()
    assert outcome == ["busy"]  # the waiting one was told after its wait
    with exporting.one_at_a_time():  # the turn is free again: served
        pass


def _wait_once(outcome: list[str]) -> None:
    try:
        with exporting.one_at_a_time():
            outcome.append("built")
    except exporting.ExportsBusy:
        outcome.append("busy")
