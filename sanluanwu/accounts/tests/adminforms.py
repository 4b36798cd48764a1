"""Read an admin change form's current values from its HTML, so a test posts it back as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormValues(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form or "name" not in a:
            if tag == "option" and self._select is not None and "selected" in a:
                self._add(self._select, a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "textarea":
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea][-1] += data.lstrip("\n") if not self.values[self._textarea][-1] else data


def form_values(client: Any, url: str) -> dict[str, Any]:
    """{name: value or [values]} of the POST form on the page (the empty inline template rows included)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    parser = _FormValues()
    parser.feed(response.content.decode())
    return {k: (v[0] if len(v) == 1 else v) for k, v in parser.values.items() if "__prefix__" not in k}
