"""How action codes and object types read in the timeline (pretix-style display map).

Each app registers the labels of the codes it writes (its choices.AUDIT_ACTIONS); codes are stable: events already
written keep them.
"""

from __future__ import annotations

from django.apps import apps

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
