"""Form widgets rendered in Python, for forms drawn on every view of a busy page (the list's filters).

Django draws a <select> through its form templates: one template include per option and another for each option's
attributes, which made the list page's five filter menus (about 40 options) cost as much as its 50 rows. FastSelect
writes the same markup as django/forms/widgets/select.html and select_option.html, from the same widget context.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="'
                   f'{conditional_escape(str(value))}"')  # fmt: skip
    return "".join(out)


class FastSelect(forms.Select):
    """A <select> with the markup of Django's own template, without a template per option."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                             f'{_attrs(option["attrs"])}>{conditional_escape(option["label"])}</option>\n')  # fmt: skip
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value above is escaped
