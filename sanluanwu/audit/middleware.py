from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sanluanwu.audit import memo
from sanluanwu.audit.context import client_ip_var, request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give every request an id (or accept a sane X-Request-ID) and expose it to audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token_id = request_id_var.set(rid)
        token_ip = client_ip_var.set(request.META.get("REMOTE_ADDR", ""))
        head_tokens = memo.start_request()  # the data's version is read at most once per request
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token_id)
            client_ip_var.reset(token_ip)
            memo.end_request(head_tokens)
        response["X-Request-ID"] = rid
        return response
