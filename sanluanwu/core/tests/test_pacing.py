"""Background work rests in proportion to its work (core.pacing); requests and tests never rest."""

from __future__ import annotations

import pytest

from sanluanwu.core import pacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(pacing, "_now", fake.perf_counter)
    monkeypatch.setattr(pacing, "_sleep", fake.sleep)
    return fake


def test_work_at_half_duty_rests_as_long_as_it_worked(fake_time: FakeTime) -> None:
    pace = pacing.Pace(0.5)
    fake_time.now += 0.3
    pace.rest()
    fake_time.now += 0.1
    pace.rest()
    assert fake_time.slept == pytest.approx([0.3, 0.1])
    assert pace.rested == pytest.approx(0.4)


def test_a_quarter_duty_rests_three_times_its_work_but_never_longer_than_the_cap(fake_time: FakeTime) -> None:
    pace = pacing.Pace(0.25)
    fake_time.now += 0.2
    pace.rest()
    fake_time.now += 5.0
    pace.rest()
    assert fake_time.slept == pytest.approx([0.6, pacing.MAX_REST_SECONDS])


def test_work_outside_a_background_job_never_rests(fake_time: FakeTime, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BACKGROUND_DUTY = 0.5
    fake_time.now += 1.0
    pacing.current().rest()
    assert list(pacing.current().paced(range(3000))) == list(range(3000))
    assert fake_time.slept == []


def test_a_background_job_rests_at_the_configured_duty_and_stops_resting_when_it_ends(fake_time: FakeTime,
                                                                                      settings) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    settings.BACKGROUND_DUTY = 0.5
    with pacing.working() as pace:
        assert pacing.current() is pace
        items = []
        for item in pacing.current().paced(range(2500), every=1000):
            items.append(item)
            fake_time.now += 0.001
        assert items == list(range(2500))
        assert fake_time.slept == pytest.approx([1.0, 1.0])  # after the 1,000th and the 2,000th, not at the end
    fake_time.now += 1.0
    pacing.current().rest()
    assert len(fake_time.slept) == 2


@pytest.mark.parametrize("value", [0, -1, 1.5, float("nan"), float("inf")])
def test_a_duty_out_of_range_means_no_rests(value: float, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BACKGROUND_DUTY = value
    assert pacing.duty() == 1.0


@pytest.mark.django_db
def test_a_background_jobs_analyze_after_its_commit_rests_first(fake_time: FakeTime, settings) -> None:  # type: ignore[no-untyped-def]
    """An import's ANALYZEs run after its commit, each a burst of the database's work: in the job worker each comes
    after a rest, like the rest of its work."""
    from django.db import connection

    from sanluanwu.core import bulk

    settings.BACKGROUND_DUTY = 0.5
    sent: list[tuple[str, int]] = []  # each statement with how many rests came before it

    def record(execute, sql, *args):  # type: ignore[no-untyped-def]
        sent.append((sql, len(fake_time.slept)))
        return execute(sql, *args)

    with pacing.working():
        fake_time.now += 0.4  # the import's write, just committed
        with connection.execute_wrapper(record):
            bulk.analyze("audit_auditevent")
    assert fake_time.slept == pytest.approx([0.4])
    assert sent == [('ANALYZE "audit_auditevent"', 1)]
