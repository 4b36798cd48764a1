"""三员分立 in the Django admin: what each admin role may manage there, as a Django group per role.

Nobody is a superuser: the system admin manages accounts and reference data, the security admin reviews and decides
role change requests and reads users, the audit admin has nothing in the admin (they read the audit log page). No
group holds a permission on business data (cases, enterprises, imports, inspections, reports), and the admin
registers none of those models anyway. `sync_admin_groups()` (the demo loader, `manage.py sync_admin_groups`) makes
the groups match this table.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from sanluanwu.accounts.choices import Role

_CRUD = ("add", "change", "view")
ADMIN_GROUPS: dict[str, tuple[str, list[str]]] = {
    Role.SYSTEM_ADMIN: (
        "系统管理员",
        [f"accounts.{a}_orgunit" for a in _CRUD]
        + [f"accounts.{a}_user" for a in _CRUD]
        + [f"accounts.{a}_membership" for a in (*_CRUD, "delete")]
        + ["accounts.view_rolechangerequest", "accounts.approve_rolechangerequest"]
        + [f"imports.{a}_valuesynonym" for a in (*_CRUD, "delete")]
        + [f"remediation.{a}_taskkind" for a in _CRUD]
        + [f"remediation.{a}_leadunit" for a in _CRUD]
        + [f"campaigns.{a}_campaign" for a in _CRUD],
    ),
    Role.SECURITY_ADMIN: (
        "安全管理员",
        ["accounts.view_user", "accounts.view_rolechangerequest", "accounts.approve_rolechangerequest"],
    ),
    Role.AUDIT_ADMIN: ("审计管理员", []),
}
# The admin roles that open the Django admin at all (is_staff).
STAFF_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})


def sync_admin_groups() -> dict[str, Group]:
    """Create or update the group of each admin role with exactly its permissions (those installed)."""
    groups: dict[str, Group] = {}
    for role, (name, codes) in ADMIN_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted: list[Permission] = []
        for code in codes:
            app_label, codename = code.split(".", 1)
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[role] = group
    return groups
