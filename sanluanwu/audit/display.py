"""How action codes and object types read in the timeline (pretix-style display map).

Each app registers the labels of the codes it writes (its choices.AUDIT_ACTIONS); codes are stable: events already
written keep them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.safestring import SafeString, mark_safe

# Filled by each app in its AppConfig.ready() (register_action_labels): the audit app never names another app's
# codes. audit/tests/test_display.py finds every code used in the source and fails for one without a label.
ACTION_LABELS: dict[str, str] = {}
# The codes that are security events besides accounts' own (等保: reveals of personal data, exports, downloads of
# originals): the security admin reviews them on /security/events/. Each app names its own in `security`.
SECURITY_ACTIONS: set[str] = set()


def register_action_labels(labels: dict[str, str], *, security: frozenset[str] = frozenset()) -> None:
    unknown = security - labels.keys()
    if unknown:
        raise ValueError(f"security action codes without a label: {sorted(unknown)}")
    ACTION_LABELS.update(labels)
    SECURITY_ACTIONS.update(security)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def object_type_label(object_type: str) -> str:
    """registry.case → 整治对象: the model's own Chinese name, so no app's names are repeated here."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


# ---- the timeline, rendered ------------------------------------------------------------------------------------

# Rendered timelines by (objects, their newest event's id and hash). Events are never changed or deleted and are
# appended in id order (audit.chain: appends are serialised, ids taken under the lock), and an event's hash seals
# every event before it: the newest one names the objects' events exactly, even across a restore that hands out its
# ids again. A timeline is rendered once per new event of its objects, whatever else is written; it reads the same
# for every user (labels, masking, the events' own words). A case page read at a deadline spent a fifth of its CPU
# on it.
_TIMELINES: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
_TIMELINES_KEPT = 500
_timelines_lock = threading.Lock()


def timeline_html(objects: Iterable[models.Model]) -> SafeString:
    """The 变更记录 section of the given objects' events (audit/timeline.html), newest first."""
    from django.template.loader import render_to_string

    from sanluanwu.audit.queries import timeline_for

    objects = list(objects)
    events = timeline_for(objects)
    if not settings.REMEMBER_READS:
        return mark_safe(render_to_string("audit/timeline.html", {"events": events}))
    newest = events.order_by("-id").values_list("id", "hash").first()
    key = (tuple((o._meta.label_lower, str(o.pk)) for o in objects), newest)
    with _timelines_lock:
        html = _TIMELINES.get(key)
        if html is not None:
            _TIMELINES.move_to_end(key)
            return html
    html = mark_safe(render_to_string("audit/timeline.html", {"events": events}))
    with _timelines_lock:
        _TIMELINES[key] = html
        while len(_TIMELINES) > _TIMELINES_KEPT:
            _TIMELINES.popitem(last=False)
    return html
