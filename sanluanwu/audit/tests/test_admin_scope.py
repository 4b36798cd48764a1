from __future__ import annotations

from django.contrib import admin

from sanluanwu.accounts.models import OrgUnit, User
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.models import Campaign
from sanluanwu.imports.models import ImportBatch, ValueSynonym
from sanluanwu.registry.models import Case, Enterprise


def test_the_admin_holds_reference_data_only():
    registered = set(admin.site._registry)
    assert {OrgUnit, User, Campaign, ValueSynonym} <= registered
    for business in (Case, Enterprise, AuditEvent, ImportBatch):
        assert business not in registered, business
