"""The confirm applies the preview's stored plan, unless something the plan depended on changed since."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sanluanwu.core import clock
from sanluanwu.imports import readers
from sanluanwu.imports.choices import BatchStatus
from sanluanwu.imports.models import StoredPlan
from sanluanwu.imports.services import confirm_import, preview_import, upload_import
from sanluanwu.imports.tests.sheets import messy_xlsx
from sanluanwu.imports.tests.test_import_list import _row
from sanluanwu.registry.models import Case

pytestmark = pytest.mark.usefixtures("in_2020")  # the sheets write 2020 dates


def _previewed(actor, unit, rows):
    batch = upload_import(actor=actor, data=messy_xlsx(rows), filename="湖塘镇.xlsx", kind="list", unit=unit)
    return preview_import(actor=actor, batch=batch)


@pytest.fixture
def reads(monkeypatch):
    """Counts how often the stored file is read and checked."""
    calls = []
    real = readers.read_sheets

    def counting(data, filename):
        calls.append(filename)
        return real(data, filename)

    monkeypatch.setattr(readers, "read_sheets", counting)
    return calls


def test_a_confirm_right_after_the_preview_applies_the_stored_plan_without_reading_the_file(
    alice, campaign, district, reads, settings
):
    batch = _previewed(
        alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三"), _row(2, "李四木材作坊", "李四")]
    )
    assert len(reads) == 1 and StoredPlan.objects.filter(batch=batch).exists()
    batch = confirm_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.APPLIED and len(reads) == 1
    assert set(Case.objects.values_list("enterprise__name", flat=True)) == {"张三塑料造粒作坊", "李四木材作坊"}
    assert not StoredPlan.objects.filter(batch=batch).exists()  # kept only until it is applied
    assert not any(Path(settings.IMPORT_PLAN_ROOT).iterdir())


def test_an_edit_saved_between_preview_and_confirm_makes_the_confirm_check_the_file_again(
    alice, office, campaign, district, reads
):
    from conftest import make_case

    planned = clock.today() + dt.timedelta(days=9)
    case = make_case(office, district["hutang"], case={"planned_completion": planned})
    batch = _previewed(alice, district["hutang"], [
        _row(1, "张三塑料造粒作坊", "张三", resp="李四", planned=planned.isoformat(), progress="已列入名单"),
        _row(2, "李四木材作坊", "李四"),
    ])  # fmt: skip
    assert batch.counts["unchanged"] == 1 and batch.counts["new"] == 1, batch.preview["errors"]
    from conftest import walk_case

    walk_case(case, "stopped")  # someone records the stop meanwhile
    batch = confirm_import(actor=alice, batch=batch)
    assert len(reads) == 2  # planned anew: the sheet is now older than the records
    assert batch.status == BatchStatus.APPLIED and batch.counts["error"] == 0
    assert batch.counts["unchanged"] == 1  # its progress is older than the stop: shown, not written back
    assert any("不会倒退" in w["message"] for w in batch.result["warnings"])
    case.refresh_from_db()
    assert case.status == "stopped"


def test_a_confirm_by_another_user_or_on_another_day_plans_again(alice, office, campaign, district, reads):
    import time_machine

    batch = _previewed(alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三")])
    with time_machine.travel(clock.now() + dt.timedelta(days=1)):
        confirm_import(actor=office, batch=batch)
    assert len(reads) == 2 and Case.objects.count() == 1


def test_a_tampered_stored_plan_is_never_unpickled(alice, campaign, district, reads, monkeypatch, settings):
    import pickle

    batch = _previewed(alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三")])
    stored = StoredPlan.objects.get(batch=batch)
    path = Path(settings.IMPORT_PLAN_ROOT) / stored.filename
    blob = path.read_bytes()
    path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))

    def refuse(*args, **kwargs):
        pytest.fail("unsigned data was unpickled")

    # The plans module's pickle only: the sheet, read again, comes back pickled from the reading child process.
    from types import SimpleNamespace

    from sanluanwu.imports import plans

    guarded = SimpleNamespace(**{name: getattr(pickle, name) for name in dir(pickle) if not name.startswith("__")})
    guarded.loads = guarded.load = guarded.Unpickler = refuse
    monkeypatch.setattr(plans, "pickle", guarded)
    batch = confirm_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.APPLIED and len(reads) == 2 and Case.objects.count() == 1


def test_plans_left_from_earlier_days_are_swept_when_a_new_one_is_stored(alice, campaign, district, settings):
    import time_machine

    with time_machine.travel(clock.now() - dt.timedelta(days=3)):
        old = _previewed(alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三")])
    old_file = Path(settings.IMPORT_PLAN_ROOT) / StoredPlan.objects.get(batch=old).filename
    assert old_file.exists()
    _previewed(alice, district["hutang"], [_row(1, "李四木材作坊", "李四")])
    assert not old_file.exists() and not StoredPlan.objects.filter(batch=old).exists()
    assert StoredPlan.objects.count() == 1


def test_a_plan_that_cannot_be_stored_only_costs_the_confirm_a_second_reading(alice, campaign, district, reads,
                                                                               settings, tmp_path):  # fmt: skip
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.IMPORT_PLAN_ROOT = blocker / "plans"
    batch = _previewed(alice, district["hutang"], [_row(1, "张三塑料造粒作坊", "张三")])
    assert batch.status == BatchStatus.PREVIEWED and not StoredPlan.objects.exists()
    batch = confirm_import(actor=alice, batch=batch)
    assert batch.status == BatchStatus.APPLIED and len(reads) == 2 and Case.objects.count() == 1
