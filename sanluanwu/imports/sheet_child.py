"""Read a workbook in a throw-away process: `python -I sheet_child.py LIMITS_JSON < file`.

calamine is a native library: when a file makes it allocate more than the machine has (a dense range from a
far cell, `uniqueCount="900000000000"` reserved up front, one long shared string copied into every cell that
refers to it, an OpenDocument row repeated 100,000 times …) it does not raise, it aborts the process. Every
workbook is therefore read here, with the address space and CPU time limited before calamine is imported, so
such a file costs this process and a refusal, never the web worker or the job worker (readers.py).

Each sheet's range is checked against the bounds before its rows are made, and the text of all cells together
against `text`, before anything is sent back: the parent never receives more than the bounds allow.

Exit codes: 0 and the sheets on stdout (read_output reads them); 3 and calamine's message when calamine refuses
the file; 5 and JSON {"sheet", "rows", "cols"} for a sheet beyond the bounds (or {"sheet": null, "cells"} for all
sheets together); 6 and JSON {"sheet", "chars"} for too much text. Anything else (killed by a limit, aborted)
means the file is refused. Imports nothing from the project: it must run without Django.
"""

from __future__ import annotations

import io
import json
import marshal
import pickle
import resource
import sys
from typing import Any


def read_output(blob: bytes) -> list[tuple[str, list[list[Any]], list[Any]]]:
    """The parent's side of exit 0: the sheets as calamine's to_python gave them (dates and times put back)."""
    size = int.from_bytes(blob[:8], "big")
    sheets = marshal.loads(blob[8 : 8 + size])
    for index, i, j, value in pickle.loads(blob[8 + size :]):  # written by this module's main(), below
        sheets[index][1][i][j] = value
    return sheets  # type: ignore[no-any-return]


def _refuse(code: int, payload: dict[str, Any]) -> int:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False))
    return code


def main() -> int:
    limits = json.loads(sys.argv[1])
    for which, wanted in ((resource.RLIMIT_AS, limits["memory"]), (resource.RLIMIT_CPU, limits["seconds"])):
        _soft, hard = resource.getrlimit(which)
        value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)  # never above what we were given
        resource.setrlimit(which, (value, value))
    data = sys.stdin.buffer.read()
    from python_calamine import CalamineWorkbook

    chars = cells = 0
    sheets: list[tuple[str, list[list[Any]], list[Any]]] = []
    others: list[tuple[int, int, int, Any]] = []  # (sheet, row, column, value) of dates and times
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        del data
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            end = sheet.end or (-1, -1)
            rows, cols = end[0] + 1, end[1] + 1
            merged = [tuple(map(tuple, m)) for m in sheet.merged_cell_ranges or []]
            for (_r0, _c0), (r1, c1) in merged:
                rows, cols = max(rows, r1 + 1), max(cols, c1 + 1)
            cells += max(rows, 0) * max(cols, 0)
            if rows > limits["rows"] or cols > limits["cols"] or rows * cols > limits["cells"]:
                return _refuse(5, {"sheet": name, "rows": rows, "cols": cols})
            if cells > limits["cells"]:
                return _refuse(5, {"sheet": None, "cells": cells})
            values: list[list[Any]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
            del sheet
            index = len(sheets)
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    kind = type(value)
                    if kind is str:
                        chars += len(value)
                    elif kind is not float and kind is not int and kind is not bool and value is not None:
                        others.append((index, i, j, value))
                        row[j] = None
            if chars > limits["text"]:
                return _refuse(6, {"sheet": name, "chars": chars})
            sheets.append((name, values, merged))
    except MemoryError:
        return 4
    except Exception as exc:  # calamine's own errors for a broken file
        sys.stdout.write(str(exc)[:200])
        return 3
    # Plain values by marshal (ten times faster than pickle both ways), the few dates and times by pickle.
    plain = marshal.dumps(sheets)
    out = sys.stdout.buffer
    out.write(len(plain).to_bytes(8, "big"))
    out.write(plain)
    out.write(pickle.dumps(others, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
