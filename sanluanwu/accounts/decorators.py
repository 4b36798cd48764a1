"""Pages declare which permission of the table (accounts/permissions.py) each HTTP method needs.

The declaration is checked at the door (403 with the reason for a user who holds it nowhere; the login page
for an anonymous one) and read by the role walk test, which compares every route with the table. Whether
the user holds it for the object's town is checked after the object is fetched, by the view or the service.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed

from sanluanwu.accounts import refusals
from sanluanwu.accounts.permissions import PERMISSIONS, denial
from sanluanwu.accounts.scope import scope_for

# The route walk reads this attribute of a view function: {"GET": code, "POST": code}.
ATTRIBUTE = "table_permissions"
# A workflow step's permission depends on the action in the body (registry/workflow.py).
BY_WORKFLOW_ACTION = "case.transition"


def requires(**by_method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@requires(GET="case.view", POST="case.edit")`; methods not named answer 405 (HEAD follows GET)."""
    codes = {method.upper(): code for method, code in by_method.items()}
    for code in codes.values():
        assert code in PERMISSIONS or code == BY_WORKFLOW_ACTION, f"unknown permission {code!r}"

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            method = "GET" if request.method == "HEAD" else str(request.method)
            code = codes.get(method)
            if code is None:
                return HttpResponseNotAllowed(list(codes))
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            reason = denial(scope_for(request.user), "case.view" if code == BY_WORKFLOW_ACTION else code)
            if reason:
                refusals.record(request.user, code, reason, request.path)
                raise PermissionDenied(reason)
            return view(request, *args, **kwargs)

        setattr(wrapped, ATTRIBUTE, codes)
        return wrapped

    return decorator


def require_for(request: HttpRequest, code: str, *, town_id: int | None, assigned: bool = False) -> None:
    """In a view, after fetching the object: 403 with the reason unless the user may do `code` in its town."""
    reason = denial(scope_for(request.user), code, town_id=town_id, assigned=assigned)
    if reason:
        refusals.record(request.user, code, reason, request.path)
        raise PermissionDenied(reason)
