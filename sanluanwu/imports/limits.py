"""How big an uploaded sheet may be, and the one error every reader raises for a file it refuses.

The bounds are on the used range (rows × columns from A1), because that is what the readers allocate: calamine
builds a dense range from the smallest to the largest cell it meets, and `to_python(skip_empty_area=False)`
pads it from A1 again. Measured on this machine (python-calamine 0.9, CPython 3.11), reading costs about
40 bytes per empty cell of the range and about 150 bytes per cell holding a short text; the planning of a
valid 附件2 row costs about 1.2 KB more. With these bounds one preview stays near 450 MB in the worst case
(120,000 valid rows), against ~2.4 GB for a sparse 300,000 × 200 sheet and an aborted worker for a cell at
XFD1048576 before them.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ENTRIES = 500
MAX_RATIO = 150
# The benchmark's 100,000-row 附件2 (title, header and notes included) with a fifth to spare.
MAX_ROWS = 120_000
MAX_COLUMNS = 200
# 100,000 rows × 20 columns; 2 million cells of short text read in ~400 MB, an empty range of it in ~80 MB.
MAX_CELLS = 2_000_000
# A CSV record (one row, possibly over several lines in quotes) longer than this is not a row of a table.
MAX_RECORD_CHARS = 1_000_000
# Excel's own limit for the text of one cell.
MAX_FIELD_CHARS = 32_767
# All text of a workbook together. A 附件2 row holds ~150 characters, so 120,000 rows hold ~18 million; one
# shared string of 32,000 characters referred to by every cell would otherwise be copied into each of them.
MAX_TEXT_CHARS = 40_000_000
# The child process that reads a workbook (sheet_child.py): the 100,000-row 附件2 reads in ~410 MB there, the
# bounds above at their worst (40 million characters over 2 million cells) in ~1.1 GB.
READER_MEMORY = 1536 * 1024 * 1024
READER_SECONDS = 60


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (exit code 2 of the command); the message is for the user."""


@dataclass
class Box:
    """The used range of a sheet from A1: the highest row and column (1-based) that anything occupies."""

    rows: int = 0
    cols: int = 0

    def add(self, row: int, col: int) -> None:
        if row > self.rows:
            self.rows = row
        if col > self.cols:
            self.cols = col

    def union(self, other: Box) -> None:
        self.add(other.rows, other.cols)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def _wan(n: int) -> str:
    return f"{n / 10_000:g} 万" if n >= 10_000 else str(n)


def check_box(name: str, box: Box) -> None:
    """Refuse a sheet whose used range is beyond the bounds, naming the sheet and its size."""
    if box.rows > MAX_ROWS or box.cols > MAX_COLUMNS or box.cells > MAX_CELLS:
        raise UnreadableFile(
            f"工作表“{name}”过大（已用区域 {box.rows} 行 × {box.cols} 列）：单个工作表不超过 {MAX_ROWS} 行、"
            f"{MAX_COLUMNS} 列、{_wan(MAX_CELLS)}个单元格。请删除多余的行列（包括远处的空白格式单元格）或拆分后导入"
        )


def check_total(boxes: list[tuple[str, Box]]) -> None:
    """All sheets of a workbook are read together: their cells count against one bound."""
    for name, box in boxes:
        check_box(name, box)
    total = sum(box.cells for _name, box in boxes)
    if total > MAX_CELLS:
        raise UnreadableFile(
            f"工作簿各工作表合计 {total} 个单元格（已用区域），超过 {_wan(MAX_CELLS)}个：请删除不需要导入的工作表或拆分后导入"
        )
