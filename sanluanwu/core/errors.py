"""Domain errors raised by services; mapped once to form errors (HTML) and 400/404/409 (API)."""

from __future__ import annotations

import re
from typing import Any

_CHINESE = re.compile(r"[\u4e00-\u9fff]")


class DomainError(Exception):
    """A rule was broken. `errors` maps field names (or "__all__") to Chinese messages."""

    status_code = 400
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]] | str, *, warnings: list[dict[str, Any]] | None = None):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        self.warnings = warnings or []
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))

    @property
    def text(self) -> str:
        """Every message in one line, for a flash message after a redirect."""
        return " ".join(m for messages in self.errors.values() for m in messages)


class ValidationFailed(DomainError):
    """Input broke a validation rule."""


class WarningsNotAcknowledged(DomainError):
    """Warnings (similar name, enterprise nearby, point outside the town) need the user's confirmation."""

    status_code = 409
    code = "warnings_not_acknowledged"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """Someone else changed the record since it was read (optimistic locking)."""

    status_code = 409
    code = "conflict"


class TransitionNotAllowed(DomainError):
    status_code = 409
    code = "transition_not_allowed"


class TooManyTries(DomainError):
    """A bounded action was used too often (429): the message says how often and when it may be tried again."""

    status_code = 429
    code = "throttled"


def user_message(exception: BaseException | None) -> str:
    """The exception's message when it was written for users (ours are Chinese), else "".

    Django's own 404s say "No Case matches the given query." or list the URL patterns tried: neither is shown.
    """
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and _CHINESE.search(message) else ""


def validate_model(instance: Any, *, exclude: list[str] | None = None) -> None:
    """The model's own rules (clean(), constraints with their messages) as a domain error keyed by field."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ValidationFailed({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from None


def request_too_large_message(exc: Exception) -> str:
    """Django's request limits (DATA_UPLOAD_MAX_*), said in Chinese; one sentence for the page and the API."""
    from django.conf import settings
    from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent

    if isinstance(exc, TooManyFilesSent):
        return f"一次上传的文件过多：每次不超过 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个"
    if isinstance(exc, TooManyFieldsSent):
        return f"请求包含的字段过多：每次不超过 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个"
    size = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / 1024 / 1024
    return f"请求内容过大：除上传文件外不超过 {size:g} MB"


def json_error(detail: str, *, code: str, status: int) -> Any:
    """An API refusal outside DRF's views (middleware, Django's error handlers) shaped as DRF's: {"detail", "code"},
    its Chinese as written (not \\u-escaped), like every other API answer (core.api)."""
    from django.http import JsonResponse

    return JsonResponse({"detail": detail, "code": code}, status=status, json_dumps_params={"ensure_ascii": False})
