"""gunicorn settings read by bin/serve (the rest are its command-line flags)."""

from __future__ import annotations

import gc
import os
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from gunicorn import util
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

# The longest request line gunicorn reads (its default, named here so the refusal below can say it).
limit_request_line = 4094

# What gunicorn answers itself, before Django sees the request (a malformed request line, an address longer than
# limit_request_line, headers too large), in Chinese like every other refusal. Its own page is English and echoes what
# was sent; this one names the rule and what to do, and echoes nothing.
ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: ("请求格式不正确", "服务器无法识别这个请求（请求行或请求头不符合 HTTP 规范）。请从系统页面重新进入后再试。"),
    403: ("请求被拒绝", "服务器拒绝了这个连接的请求。"),
    414: ("网址过长", f"请求的网址超过服务器接受的长度（{limit_request_line} 字节）。请减少搜索词或筛选条件后重试。"),
    417: ("请求无法处理", "服务器不支持请求中的 Expect 要求。"),
    431: ("请求头过大", "请求头（多为浏览器保存的 Cookie）超过服务器接受的大小。请清除本站的 Cookie 后重新登录。"),
    500: ("服务器内部错误", "服务器处理请求时出错，已记录。请稍后重试；如仍出现，请联系系统管理员。"),
    501: ("请求无法处理", "服务器不支持请求所用的传输编码。"),
}


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's replacement: the same status line, a Chinese page in UTF-8 (`mesg`, which
    repeats the client's input, is left out: the access and error logs keep what happened)."""
    title, text = ERROR_TEXTS.get(status_int, ERROR_TEXTS[500 if status_int >= 500 else 400])
    body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><p>{text}</p></body></html>\n").encode()  # fmt: skip
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")  # fmt: skip
    util.write_nonblock(sock, head + body)


# Workers are forked from the master that read this file: they call util.write_error through the module.
util.write_error = write_error


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
