"""What the audit hash chain costs: per event, per bulk event (COPY), and verify_audit at a few million events.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/slw_h4_bench python -m benchmarks.audit_chain [millions]

Run against a scratch database (it is migrated, and events are appended to it). Prints one line per number.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from sanluanwu.accounts.models import User
    from sanluanwu.audit import chain
    from sanluanwu.audit.models import AuditEvent
    from sanluanwu.audit.services import BulkEvents, record_event
    from sanluanwu.core import clock

    call_command("migrate", verbosity=0)
    millions = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    user = User.objects.filter(username="bench").first() or User.objects.create(username="bench")
    changes = {"status": ["listed", "stopped"], "responsible_person": ["张三", "李四"], "area": [None, 120.5]}

    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        with transaction.atomic():
            record_event(actor=user, action="bench.single", obj=user, changes=changes)
    single = (time.perf_counter() - started) / n
    started = time.perf_counter()
    with transaction.atomic():
        for _ in range(n):
            chain.seal({"occurred_at": clock.now(), "changes": changes}, chain.lock_head())
    chain_part = (time.perf_counter() - started) / n
    print(
        f"{connection.vendor}: record_event in its own transaction {single * 1e6:.0f} µs/event, "
        f"of which the chain (lock + head + hash) {chain_part * 1e6:.0f} µs"
    )

    bulk = BulkEvents(actor=user, note_prefix="导入：")
    batch = 200_000
    total = int(millions * 1_000_000)
    written, bulk_seconds = 0, 0.0
    while written < total:
        rows = (bulk.event("bench.bulk", User, i, f"第{i}行", changes) for i in range(batch))
        started = time.perf_counter()
        with transaction.atomic():
            BulkEvents.insert(rows, count=batch)
        bulk_seconds += time.perf_counter() - started
        written += batch
    # The same COPY without the chain (rolled back: it would break the chain), for comparison.
    from sanluanwu.core.bulk import insert_many

    rows = (bulk.event("bench.bulk", User, i, f"第{i}行", changes) for i in range(batch))
    started = time.perf_counter()
    try:
        with transaction.atomic():
            insert_many(AuditEvent, rows, count=batch)
            unchained = time.perf_counter() - started
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    print(f"the same COPY unchained: {batch / unchained:,.0f} events/s")
    row = bulk.event("bench.bulk", User, 1, "第1行", changes)
    started = time.perf_counter()
    for _ in range(100_000):
        chain.seal(row, "0" * 64)
    seal = (time.perf_counter() - started) / 100_000
    print(
        f"BulkEvents.insert ({'COPY' if connection.vendor == 'postgresql' else 'batched INSERT'}): "
        f"{written / bulk_seconds:,.0f} events/s chained; "
        f"hashing alone {seal * 1e6:.1f} µs/event"
    )

    count = AuditEvent.objects.count()
    started = time.perf_counter()
    verdict = chain.verify()
    seconds = time.perf_counter() - started
    assert verdict.broken is None, verdict.broken
    print(f"verify_audit: {verdict.count:,} events in {seconds:.1f} s ({verdict.count / seconds:,.0f}/s), of {count:,}")


if __name__ == "__main__":
    main()
