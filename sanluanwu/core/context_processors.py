"""Limits the browser checks before it sends a form (static/js/app.js), read from the settings the server enforces."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def upload_limits(request: HttpRequest) -> dict[str, Any]:
    return {"max_upload_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
