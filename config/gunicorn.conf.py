"""gunicorn settings read by bin/serve (the rest are its command-line flags)."""

from __future__ import annotations

import gc
import os
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from gunicorn.glogging import Logger


def mask_query(query: str) -> str:
    """A query string with every phone and ID number in its values masked (个人信息保护法): people search for a phone
    number, and the unmasked export's reason is a GET parameter. Decoded to find the numbers however they were typed,
    encoded again, so a value can never write a line break or a quote into the log."""
    from sanluanwu.core.masking import mask_text  # once the application's directory is on the path

    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    return urlencode([(mask_text(k), mask_text(v)) for k, v in pairs], quote_via=quote, safe="*")


def mask_url(url: str) -> str:
    """The same for a whole address (the Referer): its path and host stay, its query is masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return quote(url, safe="/:?&=*%")
    return urlunsplit(parts._replace(query=mask_query(parts.query), fragment=""))


class MaskingLogger(Logger):
    """gunicorn's access log with the query string and the referer masked: the rest of the log format as usual."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        from sanluanwu.core.masking import mask_in_path

        raw = environ.get("RAW_URI", "")
        path, sep, query = raw.partition("?")
        path = mask_in_path(path)  # a number typed into the path (/cases/13811184287/); ids stay
        atoms["U"] = mask_in_path(atoms.get("U") or "")
        masked = mask_query(query)
        atoms["q"] = masked
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path}{sep}{masked} {environ.get('SERVER_PROTOCOL')}"
        if atoms.get("f", "-") != "-":
            atoms["f"] = mask_url(atoms["f"])
        if "{referer}i" in atoms:
            atoms["{referer}i"] = mask_url(atoms["{referer}i"])
        return atoms


logger_class = MaskingLogger


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the application (Django, every module, the URL and template caches), those objects
    live as long as the process: gc.freeze() moves them out of the collector's reach. A full collection then walks only
    what requests made, instead of some 130,000 long-lived objects (80 ms measured in process, every thread of the
    worker waiting meanwhile: a tail in the load benchmark's percentiles)."""
    gc.freeze()
    from sanluanwu.core import exporting

    exporting.warm()  # the process that builds large files (SLW_EXPORTS_APART), started before the first download
    if os.environ.get(
        "SLW_ROUTE_CPU_DIR"
    ):  # the benchmarks' CPU per route (benchmarks/route_cpu.py); never in production
        from benchmarks.route_cpu import install

        install(worker)


def worker_exit(server: Any, worker: Any) -> None:
    from sanluanwu.core import exporting

    exporting.stop()
    if os.environ.get("SLW_ROUTE_CPU_DIR"):
        from benchmarks.route_cpu import dump

        dump()
