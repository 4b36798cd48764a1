"""Keeping a preview's plan for its confirm, and knowing when it may no longer be used.

A confirm used to read and check the whole file again (half the time of a 100,000-row import). Now the
preview stores its plan (pickled, gzip-compressed, in a file signed with the site's secret) with a fingerprint of all
that planning depended on; the confirm applies the stored plan when the fingerprint is still the same,
and plans anew otherwise. What goes into the fingerprint:

- the file (SHA-256), the kind, the unit, the datum and the user's column mapping; the file also fixes the
  sheet's own date (填报日期), which with the day below decides listing dates and years of dates;
- the unit's remembered column mappings (headers its users mapped in earlier previews);
- the user and the towns they may write, the day (rules compare dates with today), the campaign;
- the value synonyms and the towns (names, boundaries);
- the registry's audit watermark: the highest id and the number of audit events on enterprises, cases and
  baseline records. Every write to those goes through a service or the importer, each of which records an
  event in the same transaction, so an edit committed between preview and confirm moves the watermark.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils.crypto import salted_hmac

from sanluanwu.accounts import permissions
from sanluanwu.accounts.choices import OrgUnitKind
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.audit.models import AuditEvent
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, files, memory
from sanluanwu.imports import importer, queries
from sanluanwu.imports.models import ImportBatch, StoredPlan

logger = logging.getLogger(__name__)
REGISTRY_OBJECT_TYPES = ("registry.enterprise", "registry.case", "registry.baselinerecord")
_SALT = "sanluanwu.imports.plans"


def fingerprint(batch: ImportBatch, actor: Any, synonyms: dict[str, dict[str, str]]) -> str:
    scope = scope_for(actor)
    towns = list(
        OrgUnit.objects.filter(kind__in=[OrgUnitKind.TOWN, OrgUnitKind.DISTRICT])
        .order_by("pk")
        .values_list("pk", "name", "short_name", "boundary")
    )
    campaign = current_campaign()
    watermark = AuditEvent.objects.filter(object_type__in=REGISTRY_OBJECT_TYPES).aggregate(
        last=Max("id"), n=Count("id")
    )
    parts = {
        "file": [batch.sha256, batch.kind, batch.unit_id, batch.coord_datum, batch.column_mapping],
        "remembered": sorted(queries.remembered_columns(batch.unit_id, batch.kind).items()),
        "actor": [
            getattr(actor, "pk", None),
            getattr(actor, "username", ""),
            sorted(t[0] for t in towns if permissions.allows(scope, "import.confirm", town_id=t[0])),
        ],
        "day": clock.today().isoformat(),
        "campaign": [campaign.pk, campaign.starts_on.isoformat()] if campaign else None,
        "synonyms": synonyms,
        "towns": towns,
        "registry": [watermark["last"], watermark["n"]],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class _Signing:
    """A file wrapper that feeds every byte written or read to an HMAC keyed with the site's secret."""

    def __init__(self, fileobj: Any):
        self.fileobj = fileobj
        self.mac = salted_hmac(_SALT, b"", algorithm="sha256")

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return int(self.fileobj.write(data))

    def flush(self) -> None:
        self.fileobj.flush()


def _path(filename: str) -> Path:
    return Path(settings.IMPORT_PLAN_ROOT) / filename


def store(batch: ImportBatch, plan: importer.Plan, fingerprint: str) -> None:
    """Keep the plan for the batch's confirm (replacing an earlier preview's) in a file under IMPORT_PLAN_ROOT.

    Pickled straight into gzip (frames of about 64 KB) and on to disk: neither the pickle nor the compressed
    plan is ever held in memory whole (a 100,000-row plan is tens of MB).
    """
    discard(batch)
    # A plan from another day never matches its fingerprint again (rules compare dates with today): sweep them.
    for stale in StoredPlan.objects.filter(created_at__lt=clock.now() - dt.timedelta(days=1)):
        _remove(stale)
    filename = f"batch-{batch.pk}-{secrets.token_hex(8)}.plan.gz"
    try:
        files.private_dir(Path(settings.IMPORT_PLAN_ROOT))
        fd = os.open(_path(filename), os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
        with open(fd, "wb") as raw:
            signing = _Signing(raw)
            with gzip.GzipFile(fileobj=signing, mode="wb", compresslevel=1, mtime=0) as sink:  # type: ignore[call-overload]
                pickler = pickle.Pickler(sink, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.fast = True  # no memo (the plan has no cycles): ~100 MB less at 100,000 rows
                pickler.dump(plan)
    except OSError:
        # Only a shortcut is lost: the confirm will read and check the file again.
        logger.warning("import plan of batch %s not stored", batch.pk, exc_info=True)
        with contextlib.suppress(OSError):
            _path(filename).unlink(missing_ok=True)
        return
    StoredPlan.objects.create(batch=batch, fingerprint=fingerprint, filename=filename,
                              mac=signing.mac.hexdigest(), created_at=clock.now())  # fmt: skip


def load(batch: ImportBatch, fingerprint: str) -> importer.Plan | None:
    """The stored plan if it was made under the same fingerprint and is intact; None means: plan anew."""
    stored = StoredPlan.objects.filter(batch=batch, fingerprint=fingerprint).first()
    if stored is None:
        return None
    path = _path(stored.filename)
    try:
        mac = salted_hmac(_SALT, b"", algorithm="sha256")
        with open(path, "rb") as raw:
            while chunk := raw.read(1 << 20):
                mac.update(chunk)
        if not hmac.compare_digest(mac.hexdigest(), stored.mac):
            return None  # not written by this site (or damaged): never unpickle it
        with gzip.open(path, "rb") as source, memory.few_collections():
            plan = pickle.Unpickler(source).load()  # signed above with the site's secret key
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    return plan if isinstance(plan, importer.Plan) else None


def discard(batch: ImportBatch) -> None:
    for stored in StoredPlan.objects.filter(batch=batch):
        _remove(stored)


def _remove(stored: StoredPlan) -> None:
    with contextlib.suppress(OSError):
        _path(stored.filename).unlink(missing_ok=True)
    stored.delete()
