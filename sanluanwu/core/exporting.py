"""Exporting base shared by every table the system writes: safe cells and download headers."""

from __future__ import annotations

from django.utils.http import content_disposition_header

# A spreadsheet runs text that starts with these as a formula (CSV injection, ASVS 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(value: str) -> str:
    """Text for a CSV cell: a leading formula trigger is neutralised with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def attachment_header(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the RFC 5987 UTF-8 name (Chinese file names)."""
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
