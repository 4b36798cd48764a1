"""Nothing of the business is deleted from a page, the API or the admin: a wrong record is withdrawn with a reason and
can be restored (a case: 误列, registry workflow; every other kind: core.withdrawal). Every route is found by walking the URL configuration, as the role walk
does, so a new route cannot escape; the admin's registrations are read from the admin site itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from sanluanwu.registry.tests.test_scoping import _params, _pk_for, _routes, _town_records

# The apps whose rows are the campaign's records (business data), never deleted.
BUSINESS_APPS = {"registry", "lookback", "remediation", "reporting", "imports", "notices", "campaigns", "audit"}
# Reference data the admin may delete, each through its app's audited service (a town's word for a value).
DELETABLE_REFERENCE = {"imports.valuesynonym"}


@pytest.fixture(autouse=True)
def _photo_root(settings: Any, tmp_path: Any) -> None:
    settings.PHOTO_ROOT = tmp_path / "photos"


def _row_counts() -> dict[str, int]:
    return {m._meta.label_lower: m.objects.count() for m in apps.get_models() if m._meta.app_label in BUSINESS_APPS}


@pytest.mark.parametrize("persona", ["office", "sysadmin"])
def test_no_url_answers_a_delete_with_a_deletion(request, persona, hutang_case):
    """DELETE is 405 on every API route (no viewset has destroy) and refused on every page; no row goes."""
    _town_records(hutang_case)
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    before = _row_counts()
    for name, path, pattern in _routes():
        if "format" in pattern.pattern.regex.groupindex:
            continue
        params = _params(pattern)
        kwargs = {p: 987654 for p in params - {"pk"}}
        if "pk" in params:
            kwargs["pk"] = _pk_for(path, hutang_case)
        url = reverse(name, kwargs=kwargs)
        response = client.delete(url)
        if url.startswith("/api/"):
            assert response.status_code == 405, f"DELETE {url}: {response.status_code}"
        else:
            assert response.status_code in (301, 302, 403, 405), f"DELETE {url}: {response.status_code}"
    assert _row_counts() == before


def test_the_admin_offers_no_delete_for_business_or_reference_records(sysadmin):
    """No business model is in the admin at all; reference data there is retired (is_active) or edited, not deleted,
    except the value synonyms, deleted one at a time through their audited service."""
    factory = RequestFactory()
    request = factory.get("/admin/")
    request.user = sysadmin
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if model._meta.app_label in BUSINESS_APPS and label not in DELETABLE_REFERENCE:
            assert model._meta.app_label != "registry", f"{label}: a business record in the admin"
        actions = model_admin.get_actions(request)
        assert "delete_selected" not in actions, f"{label}: bulk delete in the admin"
        if label not in DELETABLE_REFERENCE:
            assert not model_admin.has_delete_permission(request), f"{label}: the admin may delete it"


# The business records entered by hand that a user may take out by mistake, besides the case (误列): each is withdrawn
# with a reason and restored by the office admin (core.withdrawal), never deleted.
WITHDRAWABLE = {"lookback.target", "lookback.inspection", "lookback.photo", "remediation.task", "remediation.plan",
                "reporting.brief", "reporting.workplan"}  # fmt: skip


def test_every_withdrawable_record_has_its_audited_withdraw_and_restore_services():
    """One definition (core.withdrawal.Withdrawable); for each kind, withdraw_<kind> and restore_<kind> in its app's
    services taking actor, the record and a reason, and both audit codes labelled in the app's AUDIT_ACTIONS."""
    import importlib
    import inspect

    from sanluanwu.audit.display import action_label
    from sanluanwu.core.withdrawal import Withdrawable

    found = {m._meta.label_lower for m in apps.get_models() if issubclass(m, Withdrawable)}
    assert found == WITHDRAWABLE
    for label in found:
        app, kind = label.split(".")
        services = importlib.import_module(f"sanluanwu.{app}.services")
        for verb, past in (("withdraw", "withdrawn"), ("restore", "restored")):
            service = getattr(services, f"{verb}_{kind}")
            parameters = inspect.signature(service).parameters
            assert all(p.kind == p.KEYWORD_ONLY for p in parameters.values()), service
            assert {"actor", kind, "reason"} <= set(parameters), service
            code = f"{app}.{kind}.{past}"
            assert action_label(code) != code, f"{code}: no label in {app}.choices.AUDIT_ACTIONS"
