"""Inspect an .xlsx package before any parser sees it: zip structure, macros, DTDs and the real size of every sheet.

calamine allocates a dense range from the smallest to the largest cell reference it meets (32 bytes a cell),
so one cell at XFD1048576 in a 2 KB file asks for 550 GB and the allocation failure aborts the process. Each
part is therefore read here first, streamed from the zip in 1 MiB pieces cut after a '>' (a tag is never
split between pieces), and a worksheet's used range is taken from its cell references, positions of cells
without one, `<row r>`, `<dimension ref>` and merged ranges.

Three ways to the used range, the cheapest that is sure:
- fast: every cell tag is `<c r="A1"` with a column up to P and a row up to 119,999, so its cells fit in
  119,999 × 16 (under MAX_CELLS) whatever their number; one regex search a piece (the 100,000-row 附件2 of the
  benchmark: 97 MB of sheet XML in ~0.35 s, decompression included);
- canonical: every cell tag is `<c r="…"` but some lie further out: all references are read by one regex;
- exact: anything else (cells without r, prefixed names, odd attribute order): a tag tokenizer that follows
  calamine's own rules (a cell without r takes the next column of its row; `</row>` moves to the next row).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from xml.etree import ElementTree

from sanluanwu.imports.limits import (
    MAX_CELLS,
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    Box,
    UnreadableFile,
    check_total,
)

CHUNK = 1 << 20
# No writer puts a megabyte between two '>'; beyond it a piece is scanned with an overlap instead.
MAX_TAG = 1 << 20
_OVERLAP = 16

ENTITY_MESSAGE = "文件包含 XML 实体或文档类型声明（可能是恶意文件），已拒绝"
MACRO_MESSAGE = "文件含有宏或 ActiveX 控件（.xlsm/.xltm），不接受；请另存为普通 .xlsx 后导入"

_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"\xd0\xcf\x11\xe0",
                 b"PK\x03\x04", b"\x01\x00\x00\x00", b"\xd7\xcd\xc6\x9a")  # fmt: skip
_MARKUP_NAMES = (".xml", ".rels", ".vml")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_MACRO_CONTENT = (b"macroenabled", b"vbaproject", b"activex", b"macrosheet")

# fast: a cell tag that is not `<c r="A1"`-shaped with column A–P and row ≤ 119,999 (119,999 × 16 < MAX_CELLS).
_NOT_FAST_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Pa-p](?:\d{1,5}|1[01]\d{4})")')
FAST_BOX = Box(119_999, 16)
_NOT_CANONICAL_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Za-z]+\d+")')
_CANONICAL_REF = re.compile(rb'<c r="([A-Za-z]+)(\d+)"')
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_BIG_ROW = re.compile(rb'<row r="(\d{6,})"')
_SHEET_DATA = re.compile(rb"<(?:[\w.\-]+:)?sheetData[\s/>]")
_REF_ATTR = rb"""(?:^|\s)(?:[\w.\-]+:)?ref\s*=\s*(?:"([^"]*)"|'([^']*)')"""
_MERGE = re.compile(rb"<(?:[\w.\-]+:)?mergeCell\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_SST = re.compile(rb"<(?:[\w.\-]+:)?sst\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_SST_COUNT = re.compile(rb"""(?:^|\s)(?:[\w.\-]+:)?(?:uniqueCount|count)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DIMENSION = re.compile(rb"<(?:[\w.\-]+:)?dimension\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_REF = re.compile(_REF_ATTR)
_R = re.compile(rb"""(?:^|\s)(?:[\w.\-]+:)?r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(rb"<(/?)(?:[\w.\-]+:)?(c|row|sheetData)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_CELL_REF = re.compile(rb"([A-Za-z]*)(\d+)")


def _position(ref: bytes) -> tuple[int, int | None] | None:
    """(row, column) 1-based as calamine reads a reference (letters, then digits); None if it cannot."""
    m = _CELL_REF.fullmatch(ref)
    if m is None or int(m.group(2)) == 0:
        return None
    return int(m.group(2)), (_column(m.group(1)) or None)


def _add_range(box: Box, attrs: bytes) -> None:
    for m in _REF.finditer(attrs):
        for part in (m.group(1) or m.group(2) or b"").split(b":"):
            pos = _position(part.strip())
            if pos is not None:
                box.add(pos[0], pos[1] or 0)


@dataclass
class _Part:
    """What one streamed pass learned about a part."""

    name: str
    sheet: bool = False
    fast: bool = True
    canonical: bool = True
    extra: Box = field(default_factory=Box)  # rows, dimension and merged ranges
    merges: int = 0


def _pieces(fh: IO[bytes], first: bytes = b"") -> Iterator[tuple[bytes, bool]]:
    """The part in pieces that end after a '>'; (piece, True) for a piece cut without one (it keeps an overlap)."""
    carry = b""
    while True:
        chunk, first = (first or fh.read(CHUNK)), b""
        buf = carry + chunk if carry else chunk
        if not chunk:
            if buf:
                yield buf, False
            return
        cut = buf.rfind(b">") + 1
        if cut:
            yield buf[:cut], False
            carry = buf[cut:]
        elif len(buf) > MAX_TAG:
            yield buf, True
            carry = buf[-_OVERLAP:]
        else:
            carry = buf


def _kind(head: bytes, name: str) -> str:
    """xml (read as markup by a parser), or binary (an image, printer settings …).

    A part is binary only when both its name and its first bytes say so: a `.xml` or `.rels` part is markup
    whatever it starts with (“BM<!DOCTYPE …” must not pass as a bitmap).
    """
    if head.startswith(_WIDE_BOMS) or head[:2] in (b"<\x00", b"\x00<"):
        raise UnreadableFile("文件内部部件使用了不支持的编码（UTF-16/32），请用 Excel 或 WPS 另存为 .xlsx 后导入")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        m = _DECLARED_ENCODING.match(text)
        if m and m.group(1).strip().lower() not in _UTF8_NAMES:
            raise UnreadableFile("文件内部部件使用了不支持的编码，请用 Excel 或 WPS 另存为 .xlsx 后导入")
        return "xml"
    if name.lower().endswith(_MARKUP_NAMES):
        return "xml"
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head[:64]:
        return "binary"
    return "xml"


def _check_markup(piece: bytes, cut: bool) -> None:
    """Refuse `<!DOCTYPE`, `<!ENTITY` and every other declaration; comments and CDATA are harmless."""
    i = piece.find(b"!")
    while i >= 0:
        if i and piece[i - 1] == 0x3C:  # "<!"
            word = piece[i + 1 : i + 8]
            if len(word) < 7 and cut:
                pass  # cut short: the overlap brings it back whole in the next piece
            elif not (word.startswith(b"--") or word.startswith(b"[CDATA[")):
                raise UnreadableFile(ENTITY_MESSAGE)
        i = piece.find(b"!", i + 1)


def _check_shared_strings_root(piece: bytes) -> bool:
    """calamine reserves room for `uniqueCount` strings before reading one: a huge count aborts it. True once seen."""
    m = _SST.search(piece)
    if m is None:
        return False
    for double, single in _SST_COUNT.findall(m.group(1)):
        digits = re.sub(rb"\D", b"", double or single)
        if len(digits) > 9 or (digits and int(digits) > MAX_CELLS):
            raise UnreadableFile("文件的共享字符串表声明了异常的数量（可能是恶意文件），已拒绝")
    return True


def _first_pass(zf: zipfile.ZipFile, info: zipfile.ZipInfo, content_types: bool) -> _Part:
    part = _Part(info.filename)
    shared_strings = info.filename.lower().endswith("sharedstrings.xml")
    with zf.open(info) as fh:
        head = fh.read(CHUNK)
        kind = _kind(head[:4096], info.filename)
        for piece, cut in _pieces(fh, head):
            if kind == "xml":
                _check_markup(piece, cut)
            if shared_strings and _check_shared_strings_root(piece):
                shared_strings = False
            if content_types and any(word in piece.lower() for word in _MACRO_CONTENT):
                raise UnreadableFile(MACRO_MESSAGE)
            if piece.rfind(b"mergeCell") >= 0:  # calamine takes merged ranges from anywhere in the part
                for m in _MERGE.finditer(piece):
                    part.merges += 1
                    _add_range(part.extra, m.group(1))
            if not part.sheet:
                # calamine's cell reader takes the dimension before <sheetData> and cells only after it.
                if piece.find(b"dimension") >= 0:
                    for m in _DIMENSION.finditer(piece):
                        _add_range(part.extra, m.group(1))
                part.sheet = _SHEET_DATA.search(piece) is not None
                if not part.sheet:
                    continue
            if cut:
                part.fast = part.canonical = False
            if part.fast and _NOT_FAST_CELL.search(piece):
                part.fast = False
            if not part.fast and part.canonical and _NOT_CANONICAL_CELL.search(piece):
                part.canonical = False
            if part.canonical and piece.find(b":") >= 0 and _PREFIXED.search(piece):
                part.fast = part.canonical = False
            for row in _BIG_ROW.findall(piece):
                part.extra.add(int(row), 0)
    return part


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col


def _canonical_box(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Box:
    """Every cell tag starts `<c r="…"`: the largest row and column among the references."""
    box = Box()
    with zf.open(info) as fh:
        for piece, _cut in _pieces(fh):
            refs = _CANONICAL_REF.findall(piece)
            if refs:
                box.add(max(int(row) for _col, row in refs), max(_column(col) for col in {c for c, _r in refs}))
    return box


def _exact_box(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Box:
    """Cell positions as calamine's cell reader takes them, between `<sheetData>` and `</sheetData>`."""
    box = Box()
    row_index, col_index, inside = 0, 0, False
    with zf.open(info) as fh:
        carry = b""
        while True:
            chunk = fh.read(CHUNK)
            buf = carry + chunk
            end = 0
            for m in _TAG.finditer(buf):
                end = m.end()
                closing, name, attrs = m.group(1), m.group(2), m.group(3)
                empty = attrs.endswith(b"/")
                if name == b"sheetData":
                    if closing or (inside and empty):
                        return box
                    inside = not empty
                    continue
                if not inside:
                    continue
                if name == b"row":
                    if not closing:
                        for r in _R.finditer(attrs):
                            pos = _position(r.group(1) or r.group(2) or b"")
                            if pos is not None:
                                row_index = pos[0] - 1
                                box.add(pos[0], 0)
                    if closing or empty:
                        row_index, col_index = row_index + 1, 0
                elif not closing:  # a cell
                    refs = [_position(r.group(1) or r.group(2) or b"") for r in _R.finditer(attrs)]
                    cols = [p[1] for p in refs if p is not None and p[1] is not None]
                    for p in refs:
                        if p is not None and p[1] is not None:
                            box.add(p[0], p[1])
                    if cols:
                        col_index = max(cols) - 1
                    else:
                        box.add(row_index + 1, col_index + 1)
                    col_index += 1
            if not chunk:
                return box
            # Keep everything from the first '<' after the last tag taken: a tag cut by the chunk starts there
            # (its first '<', not a later one inside an attribute value).
            rest = buf[end:]
            start = rest.find(b"<")
            carry = rest[start:] if start >= 0 else b""
            if len(carry) > MAX_TAG:
                raise UnreadableFile("文件内部结构异常（标签过长），已拒绝")


def _sheet_names(zf: zipfile.ZipFile, by_lower: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Part name (lower case) → sheet name, as far as the workbook and its relationships say; for messages."""

    def parse(name: str) -> ElementTree.Element | None:
        info = by_lower.get(name.lower())
        if info is None or info.file_size > 4 * 1024 * 1024:
            return None
        try:
            return ElementTree.fromstring(zf.read(info))
        except ElementTree.ParseError:
            return None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    names: dict[str, str] = {}
    root = parse("_rels/.rels")
    targets = [e.get("Target", "") for e in (root.iter() if root is not None else []) if local(e.tag) == "Relationship"
               and e.get("Type", "").endswith("/officeDocument")]  # fmt: skip
    workbook = targets[0].lstrip("/") if targets else "xl/workbook.xml"
    base = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
    book, rels = parse(workbook), parse(f"{base}_rels/workbook.xml.rels")
    if book is None or rels is None:
        return names
    by_id = {e.get("Id"): e.get("Target", "") for e in rels.iter() if local(e.tag) == "Relationship"}
    for e in book.iter():
        if local(e.tag) != "sheet":
            continue
        rid = next((v for k, v in e.attrib.items() if local(k) == "id"), None)
        target = by_id.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else base + target
        names[path.replace("\\", "/").lower()] = e.get("name", "")
    return names


def _check_kind(by_lower: dict[str, zipfile.ZipInfo]) -> None:
    """An .xlsx and nothing else: calamine tries .xlsb and OpenDocument when .xlsx fails, and reads those without
    any of the checks here (an OpenDocument row repeated 100,000 times × 1,000 columns is a 1 KB file)."""
    if "content.xml" in by_lower or "mimetype" in by_lower:
        raise UnreadableFile("文件是 OpenDocument 表格（.ods），不能直接导入：请用 Excel 或 WPS 另存为 .xlsx 后导入")
    if any(n.endswith(".bin") and n.rsplit("/", 1)[-1].startswith("workbook") for n in by_lower):
        raise UnreadableFile("文件是 Excel 二进制工作簿（.xlsb），不能直接导入：请另存为 .xlsx 后导入")
    if "_rels/.rels" not in by_lower or not any(n.endswith("workbook.xml") for n in by_lower):
        raise UnreadableFile("文件不是 Excel 工作簿（缺少 workbook），无法导入")


def _is_macro_part(name: str) -> bool:
    n = name.lower().replace("\\", "/")
    return "vbaproject" in n or (n.endswith(".bin") and "vba" in n) or "activex" in n or "macrosheet" in n


def check_package(data: bytes) -> list[tuple[str, Box]]:
    """Refuse what must never reach a parser; return each worksheet's name (or part) and used range, in bounds."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile("文件已损坏，无法作为 .xlsx 打开") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableFile("文件内部结构异常（包含的部件过多），已拒绝")
        total = 0
        for info in infos:
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/", 1)[0]:
                raise UnreadableFile("文件内部路径异常，已拒绝")
            total += info.file_size
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnreadableFile("文件解压后异常膨胀（疑似压缩炸弹），已拒绝")
            if _is_macro_part(name):
                raise UnreadableFile(MACRO_MESSAGE)
        if total > MAX_UNCOMPRESSED:
            raise UnreadableFile("文件解压后过大（超过 200 MB），请拆分后导入")
        by_lower = {i.filename.replace("\\", "/").lower(): i for i in infos}
        _check_kind(by_lower)
        try:
            parts = [_first_pass(zf, i, content_types=i.filename.lower() == "[content_types].xml") for i in infos]
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
            raise UnreadableFile("文件已损坏，无法作为 .xlsx 打开") from None
        names = _sheet_names(zf, by_lower)
        if any(not path.endswith(".xml") for path in names):
            raise UnreadableFile("文件内部结构异常（工作表不是 XML 部件），已拒绝")
        sheets = [(p, i, names.get(p.name.replace("\\", "/").lower()) or p.name) for p, i in zip(parts, infos, strict=True)
                  if p.sheet]  # fmt: skip
        for part, _info, label in sheets:
            if part.merges > 100_000:
                raise UnreadableFile(f"工作表“{label}”的合并单元格过多（{part.merges} 处），请取消合并后导入")

        def used(part: _Part, info: zipfile.ZipInfo, upper: bool) -> Box:
            if part.fast and upper:
                box = Box(FAST_BOX.rows, FAST_BOX.cols)
            elif part.canonical:
                box = _canonical_box(zf, info)
            else:
                box = _exact_box(zf, info)
            box.union(part.extra)
            return box

        # A fast part's bound is enough when everything fits with it (the common 附件2 sheet); a refusal is
        # only ever decided on exact figures.
        try:
            boxes = [(label, used(part, info, upper=True)) for part, info, label in sheets]
            check_total(boxes)
        except UnreadableFile:
            boxes = [(label, used(part, info, upper=False)) for part, info, label in sheets]
            check_total(boxes)
        return boxes
