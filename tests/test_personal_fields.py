"""Every free-text field is either personal (core.masking.PERSONAL_FIELDS: every output masks the phone and ID
numbers typed into it) or named here as not personal, with why; and every template shows a personal field through
masked_text / masked_phone. A new reason, comment or note is caught here before a page shows its numbers in clear."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from sanluanwu.core.masking import PERSONAL_FIELDS

# Free text that holds no one's numbers, by why.
NOT_PERSONAL: dict[str, set[str]] = {
    # Hashes, secrets, file and storage names, job ids, URLs, search keys: written by the system.
    "system": {
        "accounts.apitoken.key_hash",
        "accounts.passwordhistory.password",
        "accounts.rolechangerequest.password_hash",
        "accounts.user.password",
        "audit.auditevent.hash",
        "audit.auditevent.prev_hash",
        "audit.auditevent.request_id",
        "audit.auditevent.ip",
        "audit.auditevent.action",
        "audit.auditevent.object_type",
        "imports.importbatch.job_id",
        "imports.importbatch.sha256",
        "imports.storedplan.filename",
        "imports.storedplan.fingerprint",
        "imports.storedplan.mac",
        "lookback.photo.sha256",
        "lookback.photo.stored_name",
        "remediation.evidence.sha256",
        "remediation.evidence.stored_name",
        "reporting.briefphoto.sha256",
        "reporting.briefphoto.stored_name",
        "reporting.report.sha256",
        "reporting.workplan.sha256",
        "reporting.workplan.content_type",
        "notices.notice.url",
        "registry.case.search_text",
        "registry.enterprise.search_text",
        "registry.enterprise.name_key",
        "imports.unitcolumnmapping.header_key",
        "registry.enterprise.coord_input",
    },
    # The audit log masks its own text where it shows it (audit.display), and keeps what happened as it happened.
    "audit": {
        "audit.auditevent.note",
        "audit.auditevent.object_repr",
        "audit.auditevent.actor_name",
        "audit.auditevent.actor_username",
        "audit.auditevent.org_unit_name",
    },
    # Reference data the system admin keeps (units, campaigns, task kinds, the checklist): official names and texts.
    "reference": {
        "accounts.orgunit.name",
        "accounts.orgunit.duty",
        "accounts.orgunit.managed_by",
        "campaigns.campaign.name",
        "campaigns.campaign.document_no",
        "campaigns.campaign.baseline_label",
        "campaigns.phase.description",
        "remediation.taskkind.evidence_help",
        "remediation.reviewcheck.label",
    },
    # Names of people, enterprises, places and users: the list is worked by name (masking hides numbers only, and
    # these are shown as names everywhere). Account names are the accounts' own.
    "names": {
        "accounts.user.username",
        "accounts.user.first_name",
        "accounts.user.last_name",
        "accounts.user.email",
        "accounts.apitoken.name",
        "lookback.target.village",
        "registry.casestatuschange.actor_name",
        "registry.creditcodeclash.raised_by_name",
        "registry.creditcodeclash.resolved_by_name",
        "imports.importbatch.created_by_label",
        "reporting.report.submitted_by_name",
        "reporting.report.previous_label",
        "registry.baselinerecord.batch",
        "registry.baselinerecord.method_text",
    },
    # Shown in clear to every party (a utility too): a phone or ID number typed into them is refused
    # (registry.validation.NO_NUMBER_TEXTS; the look-back's find by the same rule on submit).
    "no numbers": {
        "registry.enterprise.name",
        "registry.enterprise.industry",
        "registry.enterprise.village",
        "lookback.inspection.new_name",
        "lookback.inspection.new_industry",
    },
    # Files as uploaded: their names are shown to those who may see the file (a name is what the user called it).
    "files": {
        "imports.importbatch.filename",
        "lookback.photo.original_name",
        "remediation.evidence.original_name",
        "reporting.report.filename",
        "reporting.workplan.filename",
    },
    # The system's own words about an import (it quotes cells masked: imports.layout.quoted), and a sheet's headers.
    "system text": {"imports.importbatch.message", "imports.unitcolumnmapping.header"},
    # A checklist answer's note lives inside the inspection draft the town is writing (not an output of its own).
    "draft": {"lookback.checklistanswer.note"},
}


def _free_text_fields() -> set[str]:
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("sanluanwu."):
            continue
        for f in model._meta.concrete_fields:
            free = isinstance(f, models.TextField) or (isinstance(f, models.CharField) and (f.max_length or 0) >= 60)
            if free and not f.choices:
                found.add(f"{model._meta.label_lower}.{f.name}")
    return found


def test_every_free_text_field_is_masked_or_named_as_not_personal():
    personal = {f"{label}.{field}" for label, field in PERSONAL_FIELDS}
    named = set().union(*NOT_PERSONAL.values())
    unclassified = sorted(_free_text_fields() - personal - named)
    assert not unclassified, f"free-text fields neither personal nor named as not personal: {unclassified}"
    assert not personal & named, sorted(personal & named)
    assert not named - _free_text_fields(), f"named but not free text (renamed?): {sorted(named - _free_text_fields())}"


_VARIABLE = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
# What a form sends back echoed into itself after an error: the user's own input of this request, never a stored
# record.
_ECHOES = ("post.", "data.", "request.POST.")
# Variables named like a personal field that are not one, or not shown from a stored record, by template.
_NOT_RECORDS = {
    # The plan's items as just posted, shown again as typed when the save is refused (remediation.views.plan_edit).
    ("remediation/plan_form.html", "typed.text"),
    # The brief's form: the view masks a stored draft's numbers and echoes what was just typed as typed.
    ("reporting/brief_form.html", "v.title"),
    ("reporting/brief_form.html", "v.text"),
    # The review form's rows as just posted (views.review: "shown again as typed if the record is refused").
    ("remediation/review_form.html", "r.note"),
    # The system's own words: warnings and the reasons a candidate matches (联系电话相同 …).
    ("remediation/review_form.html", "w.text"), ("remediation/signoff_form.html", "w.text"),
    ("remediation/task_detail.html", "w.text"), ("lookback/inspection_form.html", "c.reasons"),
    # Reference data: the checklist's items, a campaign's official document and its phases' rules.
    ("lookback/inspection_form.html", "item.text"), ("lookback/inspection_detail.html", "item.text"),
    ("campaigns/list.html", "c.document_no"), ("campaigns/edit.html", "r.text"),
}  # fmt: skip


def _templates() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(p for p in [*root.glob("templates/**/*.html"), *root.glob("sanluanwu/*/templates/**/*.html")])


def test_every_template_shows_a_personal_field_masked():
    # A record's field is shown as `x.field`. `name` is every unit's, user's and enterprise's too: of names, only a
    # place's (lookback.target) is personal, shown as `….target.name`.
    names = {field for _label, field in PERSONAL_FIELDS} - {"name"}
    clear = []
    for path in _templates():
        short = "/".join(path.parts[-2:])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in _VARIABLE.finditer(line):
                expression = m.group(1)
                variable = expression.split("|")[0].strip()
                if "." not in variable or "masked_" in expression or variable.startswith(_ECHOES):
                    continue
                personal = variable.split(".")[-1] in names or variable.endswith("target.name")
                if personal and (short, variable) not in _NOT_RECORDS:
                    clear.append(f"{short}:{number}: {{{{ {expression} }}}}")
    assert not clear, "personal fields shown in clear:\n" + "\n".join(clear)
