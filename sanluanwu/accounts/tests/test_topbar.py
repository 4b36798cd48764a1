"""The header every logged-in page shows ({% topbar %}): the menu follows the permission table for each role, the
user's own words are escaped, and the log-out form carries the CSRF token."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sanluanwu.accounts import permissions
from sanluanwu.accounts.scope import scope_for


def _header(user) -> str:
    client = Client()
    client.force_login(user)
    body = client.get("/account/password/").content.decode()
    return body[body.index('<header class="topbar">') : body.index("<main>")]


@pytest.mark.parametrize("persona", ["office", "alice", "ada", "dora", "uma", "leo", "sysadmin"])
def test_the_menu_shows_exactly_what_the_permission_table_allows(request, persona):
    user = request.getfixturevalue(persona)
    header = _header(user)
    scope = scope_for(user)
    for code, href in (("case.view", "/cases/"), ("task.view", "/remediation/tasks/"),
                       ("import.view", "/imports/"), ("audit.view", "/audit/log/")):  # fmt: skip
        assert (f'href="{href}"' in header) == permissions.allows(scope, code), (persona, code)
    # The API docs for every role with business pages; not for the system admin, who has no API to try (helper-36).
    assert ('href="/api/v1/docs/"' in header) == (persona != "sysadmin"), persona
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]{20,}"', header)


def test_the_users_name_is_escaped_in_the_header(alice):
    alice.full_name = "<script>alert(1)</script>"
    alice.save()
    header = _header(alice)
    assert "<script>alert(1)" not in header and "&lt;script&gt;alert(1)&lt;/script&gt;" in header
