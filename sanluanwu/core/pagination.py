"""Keyset pagination on id (newest first): no deep OFFSET, no full COUNT, fast at a million rows."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import Model, QuerySet

from sanluanwu.core import params
from sanluanwu.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)

# Counting stops here: "10000+ 条" is as useful to a reader as an exact figure, and costs a bounded scan.
COUNT_CAP = 10_000


# How a count is remembered until the next write: registered by the audit app (audit.memo.remembered, AuditConfig.ready),
# which knows the data's version; core does not import it. None: every page counts.
Remember = Callable[[tuple[Hashable, ...], Callable[[], int]], int]
_remember: list[Remember] = []


def remember_counts_with(remember: Remember) -> None:
    _remember[:] = [remember]


def capped_count(queryset: QuerySet[Any]) -> int:
    """The rows of `queryset`, counted up to COUNT_CAP + 1; remembered under its SQL until the next write (a list
    page read again by its users between two writes counts once)."""
    unordered = queryset.order_by()
    counting = unordered[: COUNT_CAP + 1]
    if not _remember:
        return counting.count()
    try:
        sql, sql_params = unordered.query.sql_with_params()
        key = ("capped_count", queryset.db, sql, tuple(sql_params))
        hash(key)
    except (EmptyResultSet, TypeError):
        return counting.count()
    return _remember[0](key, counting.count)


@dataclass
class KeysetPage(Generic[M]):
    items: list[M]
    next_after: int | None
    prev_before: int | None
    count: int
    count_capped: bool
    # The numbered page's links the shared pager reads (templates/includes/pager.html): none on a keyset page. Said
    # here, since a name the template cannot find costs a failed lookup and a dir() of the page on every render.
    number: ClassVar[None] = None
    prev_page: ClassVar[None] = None
    next_page: ClassVar[None] = None

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.count_capped else str(self.count)


def keyset_page(
    queryset: QuerySet[M], *, after: Any = None, before: Any = None, size: int = 50, with_count: bool = True
) -> KeysetPage[M]:
    """One page of `queryset` ordered by -id. `after`: ids below it (next page); `before`: above (previous). A cursor
    that is no row id is refused (ValidationFailed naming it), not read as the first page."""
    after_id = params.paging(after, field="after", label="翻页位置 after", hi=params.MAX_ID, hint=_FROM_LINKS)
    before_id = params.paging(before, field="before", label="翻页位置 before", hi=params.MAX_ID, hint=_FROM_LINKS)
    if after_id is not None and before_id is not None:
        raise ValidationFailed({"before": ["翻页位置 after 和 before 不能同时使用：向后翻用 after，向前翻用 before"
                                           + _FROM_LINKS]})  # fmt: skip
    size = max(1, min(size, 200))
    if before_id is not None:
        rows = list(queryset.filter(pk__gt=before_id).order_by("pk")[: size + 1])
        has_more_newer = len(rows) > size
        items = list(reversed(rows[:size]))
        has_older = True
        has_newer = has_more_newer
    else:
        qs = queryset.filter(pk__lt=after_id) if after_id is not None else queryset
        rows = list(qs.order_by("-pk")[: size + 1])
        items = rows[:size]
        has_older = len(rows) > size
        has_newer = after_id is not None
    count = 0
    capped = False
    if with_count:
        # The first page holding the whole list is its count: no second query (most of a department's or a utility's
        # lists, a town's small ones).
        whole = after_id is None and before_id is None and not has_older
        count = len(items) if whole else capped_count(queryset)
        capped = count > COUNT_CAP
    return KeysetPage(
        items=items,
        next_after=items[-1].pk if items and has_older else None,
        prev_before=items[0].pk if items and has_newer else None,
        count=min(count, COUNT_CAP),
        count_capped=capped,
    )


# A sorted list is paged by number, up to the counted rows: nobody pages past the first 10,000 of a sort.
MAX_PAGE = 200
MAX_PAGE_SIZE = 200
_FROM_LINKS = "（请用列表的“下一页”“上一页”翻页）"


PAGING_FIELDS = frozenset({"after", "before", "page", "page_size"})


def is_paging_error(exc: ValidationFailed) -> bool:
    """Whether a refusal is of the list's paging parameters (said as such, not as a filter's)."""
    return bool(exc.errors) and set(exc.errors) <= PAGING_FIELDS


def keyset_only(page: Any) -> None:
    """A list paged by position (no sort) has no page numbers: `page` beyond the first is refused, not ignored."""
    number = params.paging(page, field="page", label="页码 page", hi=params.MAX_ID)
    if number not in (None, 1):
        raise ValidationFailed({"page": ["未排序的名单不按页码 page 翻页：请用列表的“下一页”“上一页”翻页（after、"
                                         "before），或先选择排序方式"]})  # fmt: skip


def numbered_only(after: Any, before: Any) -> None:
    """A sorted list is paged by number: a position (after, before) is refused, not ignored."""
    for name, value in (("after", after), ("before", before)):
        if value is not None and str(value).strip():
            raise ValidationFailed({name: [f"排序后的名单按页码 page 翻页，不用翻页位置 {name}：请用列表的“下一页”"
                                           "“上一页”翻页"]})  # fmt: skip


def page_size(value: Any, *, default: int) -> int:
    """`page_size` from outside: 1 … MAX_PAGE_SIZE, the default when missing; anything else refused naming it."""
    size = params.paging(value, field="page_size", label="每页条数 page_size", hi=MAX_PAGE_SIZE)
    return default if size is None else size


@dataclass
class NumberedPage(Generic[M]):
    """One page of a list sorted by something other than id (OFFSET paging, bounded by MAX_PAGE)."""

    items: list[M]
    number: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.count_capped else str(self.count)

    @property
    def next_page(self) -> int | None:
        return self.number + 1 if self.has_next and self.number < MAX_PAGE else None

    @property
    def prev_page(self) -> int | None:
        return self.number - 1 if self.number > 1 else None


def numbered_page(queryset: QuerySet[M], *, ordering: list[Any], page: Any = None, size: int = 50) -> NumberedPage[M]:
    hint = f"（排序后的名单最多翻到第 {MAX_PAGE} 页，更多的请用筛选条件缩小范围）"
    number = params.paging(page, field="page", label="页码 page", hi=MAX_PAGE, hint=hint) or 1
    size = max(1, min(size, 200))
    start = (number - 1) * size
    rows = list(queryset.order_by(*ordering)[start : start + size + 1])
    count = len(rows) if number == 1 and len(rows) <= size else capped_count(queryset)  # the whole list on page 1
    return NumberedPage(items=rows[:size], number=number, has_next=len(rows) > size, count=min(count, COUNT_CAP),
                        count_capped=count > COUNT_CAP)  # fmt: skip
