"""The server's access log (gunicorn, config/gunicorn.conf.py) never keeps a phone or ID number in clear: people search
for numbers, and the unmasked export's reason is a query parameter; the log is read by operators who may not see them."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def conf():
    spec = importlib.util.spec_from_file_location("slw_gunicorn_conf", ROOT / "config" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _atoms(conf, uri: str, referer: str = "-") -> dict:
    logger = conf.MaskingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": uri.partition("?")[0],
               "QUERY_STRING": uri.partition("?")[2], "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.8",
               "HTTP_REFERER": referer}  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    return logger.atoms(response, request, environ, dt.timedelta(milliseconds=12))


def test_a_searched_phone_number_is_masked_in_the_request_line_and_the_query(conf):
    atoms = _atoms(conf, "/cases/?q=" + quote("张三 138 1234 5678") + "&town=3")
    for key in ("r", "q"):
        assert "12345678" not in atoms[key].replace("%20", "").replace("+", "")
        assert "1234" not in atoms[key].replace("5678", "")
        assert "138%20****%205678" in atoms[key] and "town=3" in atoms[key]  # masked as typed, grouped
    assert atoms["r"].startswith("GET /cases/?") and atoms["r"].endswith(" HTTP/1.1")
    assert atoms["U"] == "/cases/"


def test_the_unmasked_exports_reason_and_an_id_number_are_masked(conf):
    reason = quote("应局长要求核对 13912345678 与 320412198001011234")
    atoms = _atoms(conf, f"/cases/export.xlsx?unmasked=1&reason={reason}")
    assert "13912345678" not in atoms["r"] and "320412198001011234" not in atoms["r"]
    assert "139****5678" in atoms["r"] and "3204**********1234" in atoms["r"]


def test_the_referer_keeps_its_path_and_masks_its_query(conf):
    atoms = _atoms(conf, "/cases/9/", referer="http://127.0.0.1:8000/cases/?q=13812345678")
    assert atoms["f"] == "http://127.0.0.1:8000/cases/?q=138****5678"
    assert atoms["{referer}i"] == atoms["f"]


def test_a_value_cannot_write_a_line_or_a_quote_into_the_log(conf):
    atoms = _atoms(conf, "/cases/?q=a%0D%0A127.0.0.1%20-%20-%20%22GET%20/admin/%22")
    assert "\n" not in atoms["r"] and "\r" not in atoms["r"] and '"' not in atoms["r"]


def test_paths_and_plain_queries_are_left_as_they_were(conf):
    atoms = _atoms(conf, "/cases/2345678/?page=2&sort=-listed_on")
    assert atoms["r"] == "GET /cases/2345678/?page=2&sort=-listed_on HTTP/1.1"
    assert _atoms(conf, "/cases/")["r"] == "GET /cases/ HTTP/1.1"


def test_the_server_uses_the_masking_logger(conf):
    assert conf.logger_class is conf.MaskingLogger


def test_a_number_typed_into_the_path_is_masked_and_record_ids_are_not(conf):
    atoms = _atoms(conf, "/cases/13811184287/")
    assert atoms["r"] == "GET /cases/138****4287/ HTTP/1.1" and atoms["U"] == "/cases/138****4287/"
    assert _atoms(conf, "/enterprises/320412198001011234/")["U"] == "/enterprises/3204**********1234/"
    assert _atoms(conf, "/cases/2345678/photos/12/")["U"] == "/cases/2345678/photos/12/"


def test_djangos_not_found_line_masks_the_number_in_the_path():
    import logging

    from sanluanwu.core.logs import ClientErrorsWithoutTraceback

    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "%s: %s",
                               ("Not Found", "/cases/13811184287/"), None)  # fmt: skip
    record.status_code = 404
    ClientErrorsWithoutTraceback().filter(record)
    assert record.getMessage() == "Not Found: /cases/138****4287/"
