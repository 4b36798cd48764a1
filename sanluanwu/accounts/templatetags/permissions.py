"""`{% load permissions %}` … `{% if scope|can:"case.create" %}`: buttons and links follow the permission table."""

from __future__ import annotations

from django import template

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import Scope

register = template.Library()


@register.filter
def can(scope: Scope, code: str) -> bool:
    """The user may do `code` somewhere (a district role, or in one of their towns)."""
    return permissions.allows(scope, code)


@register.simple_tag
def can_in(scope: Scope, code: str, town_id: int | None) -> bool:
    """The user may do `code` in that town: `{% can_in scope "case.edit" case.town_id as can_edit %}`."""
    return permissions.allows(scope, code, town_id=town_id)
