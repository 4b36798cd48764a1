"""How an actor's org units read on an audit event ("湖塘、…").

Audit sits below accounts (accounts' own services record events), so it cannot ask accounts itself: accounts
registers the answer in AccountsConfig.ready(). Until then (or for an actor without units) events carry no unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

ActorUnits = Callable[[Any], Sequence[str]]
_actor_units: list[ActorUnits] = []  # one slot: the app that knows org units


def register_actor_units(describe: ActorUnits) -> ActorUnits:
    """The one function that names an actor's units; a second registration replaces the first."""
    _actor_units[:] = [describe]
    return describe


def actor_unit_names(actor: Any) -> str:
    if not _actor_units or actor is None:
        return ""
    return "、".join(_actor_units[0](actor))
