"""Measure a .xls in a throw-away process: `python -I xls_probe.py MAX_ADDRESS_BYTES MAX_CPU_SECONDS < file.xls`.

Prints a JSON list of [sheet name, rows, columns] (the used range from A1, merged ranges included) and exits 0;
exits 3 with calamine's message when calamine refuses the file. The limits are set before calamine is
imported, so a file that makes calamine ask for hundreds of gigabytes kills this process only (readers.py).
Imports nothing from the project: it must run without Django.
"""

from __future__ import annotations

import io
import json
import resource
import sys


def main() -> int:
    memory, seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    data = sys.stdin.buffer.read()
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = []
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            end = sheet.end or (-1, -1)
            rows, cols = end[0] + 1, end[1] + 1
            for (_r0, _c0), (r1, c1) in sheet.merged_cell_ranges or []:
                rows, cols = max(rows, r1 + 1), max(cols, c1 + 1)
            found.append([name, rows, cols])
    except MemoryError:
        return 4
    except Exception as exc:  # calamine's own errors for a broken file
        sys.stdout.write(str(exc)[:200])
        return 3
    sys.stdout.write(json.dumps(found, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
