from __future__ import annotations

from typing import Any

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core.pagination import keyset_page


def test_keyset_pages_walk_forward_and_back_without_gaps(district: dict[str, Any]) -> None:
    units = OrgUnit.objects.all()
    ids = sorted(units.values_list("pk", flat=True), reverse=True)
    first = keyset_page(units, size=7)
    assert [u.pk for u in first.items] == ids[:7]
    assert first.prev_before is None
    second = keyset_page(units, after=first.next_after, size=7)
    assert [u.pk for u in second.items] == ids[7:14]
    back = keyset_page(units, before=second.prev_before, size=7)
    assert [u.pk for u in back.items] == ids[:7]
    assert second.count == len(ids)


def test_a_garbage_cursor_is_ignored() -> None:
    assert keyset_page(OrgUnit.objects.none(), after="x' OR 1=1").items == []
