from __future__ import annotations

from typing import Any

import pytest

from sanluanwu.accounts.models import OrgUnit
from sanluanwu.core.errors import ValidationFailed
from sanluanwu.core.pagination import MAX_PAGE, keyset_page, numbered_page


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


def test_a_garbage_cursor_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed) as refused:
        keyset_page(OrgUnit.objects.none(), after="x' OR 1=1")
    assert list(refused.value.errors) == ["after"] and "翻页位置 after" in refused.value.text
    with pytest.raises(ValidationFailed) as refused:
        numbered_page(OrgUnit.objects.none(), ordering=["name"], page=MAX_PAGE + 1)
    assert list(refused.value.errors) == ["page"] and f"最多翻到第 {MAX_PAGE} 页" in refused.value.text
    assert keyset_page(OrgUnit.objects.none(), after="", before=None).items == []  # an empty field is no cursor


def test_a_first_page_holding_the_whole_list_is_its_own_count(district: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    units = OrgUnit.objects.all()
    total = units.count()
    with CaptureQueriesContext(connection) as whole:
        page = keyset_page(units, size=total)
    assert (page.count, page.count_capped, page.next_after) == (total, False, None)
    assert not [q for q in whole.captured_queries if "COUNT(" in q["sql"].upper()]  # the rows only: no count
    with CaptureQueriesContext(connection) as partial:
        first = keyset_page(units, size=total - 1)  # one row more than the page: counted
    assert first.count == total and first.next_after is not None
    assert [q for q in partial.captured_queries if "COUNT(" in q["sql"].upper()]
    assert keyset_page(units, after=first.next_after, size=total).count == total  # a later page counts the list


def test_a_numbered_first_page_holding_the_whole_list_is_its_own_count(district: dict[str, Any]) -> None:
    from sanluanwu.core.pagination import numbered_page

    units = OrgUnit.objects.all()
    total = units.count()
    assert numbered_page(units, ordering=["name"], size=total).count == total
    assert numbered_page(units, ordering=["name"], size=total - 1).count == total
    assert numbered_page(units, ordering=["name"], page=2, size=total - 1).count == total
    assert numbered_page(units.none(), ordering=["name"]).count == 0
