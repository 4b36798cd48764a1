"""Large files are built one at a time per server process, and under bin/serve in a process of their own at a lower
CPU priority (core.exporting), so that pages keep the interpreter and the cores while a district workbook is made."""

from __future__ import annotations

import os
import time

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


# ---- the same file asked for again while it waits for its turn ---------------------------------------------------

BUILT: list[int] = []
RELEASE_BUILD: dict[str, object] = {}


def counted(n: int) -> tuple[int, int]:
    """A build that counts itself (in process: EXPORTS_APART off) and, when asked, waits until the test lets it end."""
    BUILT.append(n)
    gate = RELEASE_BUILD.get("gate")
    while gate is not None and not gate.is_set():  # type: ignore[attr-defined]
        time.sleep(0.01)  # polled: a timed wait never ends under CI's moved clock
    return n, len(BUILT)


def broken(n: int) -> None:
    BUILT.append(n)
    fail()


def _until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


@pytest.fixture
def shared(settings):
    settings.EXPORTS_APART = False
    settings.EXPORTS_WAITING = 4
    BUILT.clear()
    RELEASE_BUILD.clear()
    yield
    RELEASE_BUILD.clear()


def _in_threads(func, *args_list):
    import threading

    results: dict[int, object] = {}

    def run(i, args):
        try:
            results[i] = exporting.build_apart(func, *args)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(args_list)]
    return threads, results


def test_requests_for_a_file_whose_build_still_waits_for_its_turn_share_that_one_build(shared):
    turns = exporting._semaphore()
    assert turns.acquire(blocking=False)  # another file is being built: the first request waits its turn
    threads, results = _in_threads(counted, (7,), (7,), (7,), (8,))
    try:
        threads[0].start()
        _until(lambda: exporting._waiting == 1)
        for t in threads[1:]:
            t.start()
        _until(lambda: exporting._waiting == 4)  # two joined the first; the other file waits for a turn of its own
    finally:
        turns.release()
        for t in threads:
            t.join(10)
    assert sorted(BUILT) == [7, 8]  # one build of file 7 for three requests
    assert results[0] is results[1] is results[2] and results[0][0] == 7 and results[3][0] == 8
    assert exporting._waiting == 0 and not exporting._pending


def test_a_build_already_under_way_is_never_joined(shared):
    import threading

    RELEASE_BUILD["gate"] = gate = threading.Event()
    threads, results = _in_threads(counted, (7,), (7,))
    try:
        threads[0].start()
        _until(lambda: BUILT == [7])  # building: it may have read the records before the second request came
        threads[1].start()
        _until(lambda: exporting._waiting == 1)  # waits for a turn of its own
    finally:
        gate.set()
        for t in threads:
            t.join(10)
    assert BUILT == [7, 7] and results[0] == (7, 1) and results[1] == (7, 2)


def test_the_error_of_a_shared_build_reaches_every_request_that_joined_it(shared):
    from sanluanwu.core.errors import ValidationFailed

    turns = exporting._semaphore()
    assert turns.acquire(blocking=False)
    threads, results = _in_threads(broken, (3,), (3,))
    try:
        threads[0].start()
        _until(lambda: exporting._waiting == 1)
        threads[1].start()
        _until(lambda: exporting._waiting == 2)
    finally:
        turns.release()
        for t in threads:
            t.join(10)
    assert BUILT == [3] and all(isinstance(r, ValidationFailed) for r in results.values())


def test_a_request_joining_a_build_counts_as_a_download_waiting(shared, settings):
    settings.EXPORTS_WAITING = 1
    turns = exporting._semaphore()
    assert turns.acquire(blocking=False)
    threads, results = _in_threads(counted, (7,))
    try:
        threads[0].start()
        _until(lambda: exporting._waiting == 1)
        with pytest.raises(exporting.ExportsBusy):  # it holds a thread as a waiting download does: told at once
            exporting.build_apart(counted, 7)
    finally:
        turns.release()
        threads[0].join(10)
    assert BUILT == [7] and results[0] == (7, 1)
