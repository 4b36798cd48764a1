"""What gunicorn answers before Django sees a request (an address longer than it reads, a request line that is no HTTP)
reads in Chinese like every other refusal, names the rule, and repeats nothing the client sent."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """bin/serve's web server (gunicorn with config/gunicorn.conf.py and the application) on a socket of its own."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    sock = tmp / "web.sock"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
           "SLW_PLAIN_STATIC": "1", "SLW_EXPORTS_APART": "0"}  # fmt: skip
    env.pop("SLW_ROUTE_CPU_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", "config/gunicorn.conf.py",
         "--bind", f"unix:{sock}", "--workers", "1", "--threads", "2", "--error-logfile", str(tmp / "error.log")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not sock.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert sock.exists(), (tmp / "error.log").read_text(errors="replace") if (tmp / "error.log").exists() else ""
    yield sock
    process.terminate()
    process.wait(timeout=30)


def _send(sock_path: Path, raw: bytes) -> tuple[str, dict[str, str], str]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(sock_path))
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, body.decode("utf-8")


def test_an_address_longer_than_the_server_reads_is_refused_in_chinese_naming_the_limit(server):
    status, headers, body = _send(server, b"GET /cases/?q=" + b"x" * 5000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert status.startswith("HTTP/1.1 414 ")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "网址过长" in body and "4094 字节" in body and "请减少搜索词或筛选条件" in body
    assert "xxxx" not in body and "URI Too Long" not in body


def test_a_request_line_that_is_no_http_is_refused_in_chinese_without_repeating_it(server):
    status, _headers, body = _send(server, b"<script>alert(1)</script>\r\n\r\n")
    assert status.startswith("HTTP/1.1 400 ")
    assert "请求格式不正确" in body and "<script>" not in body and "Invalid" not in body


def test_headers_larger_than_the_server_reads_name_the_cookie(server):
    cookies = b"".join(b"Cookie: c%d=%s\r\n" % (n, b"y" * 100) for n in range(120))
    status, _headers, body = _send(server, b"GET / HTTP/1.1\r\nHost: a\r\n" + cookies + b"\r\n")
    assert status.startswith("HTTP/1.1 431 ")
    assert "请求头过大" in body and "Cookie" in body
