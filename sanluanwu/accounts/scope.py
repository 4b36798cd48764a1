"""What a user may see, derived once per request from their memberships.

Every query in every domain app starts from a Scope (see registry/queries.py), so scoping is the
default and cannot be forgotten by a view. What a user may DO is the permission table
(accounts/permissions.py), which reads the roles held here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sanluanwu.accounts.choices import Role
from sanluanwu.audit.memo import remembered

_DISTRICT_READERS = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADER}
_TOWN_ROLES = {Role.TOWN_MANAGER, Role.TOWN_INSPECTOR}


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    sees_district: bool = False
    town_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    utility_ids: frozenset[int] = frozenset()
    unit_names: tuple[str, ...] = field(default=())
    # (town id, role) pairs: a role counts only in the town it is held in.
    town_roles: frozenset[tuple[int, str]] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def memo_key(self) -> tuple[object, ...]:
        """What the scope's reads depend on (not who the user is): users with the same memberships share remembered
        reads (audit.memo)."""
        return (self.sees_district, tuple(sorted(self.roles)), tuple(sorted(self.town_roles)),
                tuple(sorted(self.department_ids)), tuple(sorted(self.utility_ids)))  # fmt: skip

    def roles_in_town(self, town_id: int | None) -> frozenset[str]:
        return frozenset(role for tid, role in self.town_roles if tid == town_id)


ANONYMOUS = Scope(user_id=None)


class OperatorActor:
    """The server operator running a management command: district-wide, audited as "命令行:<name>"."""

    pk = None
    is_authenticated = True
    is_active = True

    def __init__(self, name: str = "operator"):
        self.username = f"命令行:{name}"
        self.display_name = "服务器命令行"
        self._slw_scope = Scope(
            user_id=0,
            roles=frozenset({Role.OFFICE_ADMIN}),
            sees_district=True,
            unit_names=("服务器命令行",),
        )


def unit_names_of(actor: Any) -> tuple[str, ...]:
    """The actor's units as audit events name them (registered with audit in AccountsConfig.ready())."""
    return scope_for(actor).unit_names


def scope_for(user: Any) -> Scope:
    """The user's scope, computed from memberships once and cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_slw_scope", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if user.pk is None:
        return _read_scope(user)
    # Memberships and org units change only with accounts' own (audited) writes: remembered until the next one.
    scope: Scope = remembered(("scope", user.pk), functools.partial(_read_scope, user), topics=("accounts",))
    user._slw_scope = scope
    return scope


def _read_scope(user: Any) -> Scope:
    memberships = list(user.memberships.select_related("org_unit").filter(org_unit__is_active=True))
    roles = frozenset(m.role for m in memberships)
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        sees_district=bool(roles & _DISTRICT_READERS),
        town_ids=frozenset(m.org_unit_id for m in memberships if m.role in _TOWN_ROLES),
        department_ids=frozenset(m.org_unit_id for m in memberships if m.role == Role.DEPARTMENT_STAFF),
        utility_ids=frozenset(m.org_unit_id for m in memberships if m.role == Role.UTILITY_STAFF),
        unit_names=tuple(sorted({m.org_unit.display_name for m in memberships})),
        town_roles=frozenset((m.org_unit_id, m.role) for m in memberships if m.role in _TOWN_ROLES),
    )
    return scope
