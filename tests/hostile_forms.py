"""The forms a page offers, read from its HTML as a browser reads them, and the hostile values each field is tried with.

tests/test_hostile_pages.py walks every page that takes a POST with these: the fields come from the rendered page
itself (Django forms and hand-written ones alike), so a field added to a template is tried without a test edit.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from tests import hostile

TEXT_TYPES = {"text", "search", "email", "tel", "url", "password", ""}
DATE_TYPES = {"date", "datetime-local", "month"}
# What a browser never sends as typed by the user (kept as the page gave them).
KEPT_TYPES = {"hidden", "submit", "button", "reset", "image", "checkbox", "radio", "select"}


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # an <input> type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = dataclasses.field(default_factory=list)
    required: bool = False
    inputmode: str = ""

    @property
    def is_text(self) -> bool:
        return self.kind == "textarea" or self.kind in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        """A number field, or a text field a number is typed in (inputmode, as a phone's keyboard reads it)."""
        return self.kind in ("number", "range") or self.inputmode in ("decimal", "numeric")

    @property
    def is_other(self) -> bool:
        """What a browser sends as the page gave it (hidden, a choice, a box): a client may still send anything."""
        return self.kind in ("hidden", "select", "checkbox", "radio")

    @property
    def is_date(self) -> bool:
        return self.kind in DATE_TYPES

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


@dataclasses.dataclass
class Form:
    action: str
    multipart: bool
    fields: list[Field] = dataclasses.field(default_factory=list)
    buttons: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # named submit buttons

    def baseline(self, button: tuple[str, str] | None = None) -> dict[str, Any]:
        """What a browser sends for the form as the page shows it (with the given submit button pressed)."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("checkbox", "radio"):
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "file":
                continue
            else:
                data.setdefault(f.name, []).append(f.value)
        if button and button[0]:
            data[button[0]] = [button[1]]
        return {k: v[0] if len(v) == 1 else v for k, v in data.items()}

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.fields}

    def field_names(self, predicate: str) -> list[str]:
        seen: list[str] = []
        for f in self.fields:
            if getattr(f, predicate) and f.name not in seen:
                seen.append(f.name)
        return seen


class _Parser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.url, a.get("action") or self.url)
                self._form = Form(action, "multipart" in a.get("enctype", ""))
                self.forms.append(self._form)
            else:
                self._form = None
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                form.buttons.append((a["name"], a.get("value", "")))
                return
            form.fields.append(
                Field(
                    a["name"],
                    kind,
                    a.get("value", ""),
                    "checked" in a,
                    required="required" in a,
                    inputmode=a.get("inputmode", ""),
                )
            )
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            form.buttons.append((a.get("name", ""), a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", required="required" in a)
            form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", required="required" in a)
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea.value
            self._textarea.value = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            raw, selected = self._option
            value = raw if raw is not None else self._option_text.strip()
            self._select.options.append(value)
            if selected or len(self._select.options) == 1:
                self._select.value = value
            self._option = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, url: str) -> list[Form]:
    """Every POST form of the page, its action made absolute (the page's own path when it has none)."""
    parser = _Parser(url)
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(form.action)._replace(scheme="", netloc="").geturl()
    return parser.forms


# Over every field's limit (a 附件2 cell holds 32,767) and under Django's request-body limit (2 MB) as a form.
LONG_TEXT = "字" * 33_000
# What goes into every text field of a form at once; a refused one is tried again in halves, down to the fields that
# refuse it alone, so each field meets each value. A NUL is refused by a form field and fatal to a PostgreSQL text.
TOGETHER_TEXTS = {
    k: hostile.HOSTILE_TEXTS[k] for k in ("script", "attribute break", "sql", "template", "formula cmd", "nul")
}
TOGETHER_TEXTS["controls and bidi"] = "张三\x07\x1b\x85\x9b作坊\u202egpj.exe\u2066"
TOGETHER_TEXTS["long"] = LONG_TEXT
# What a hidden field, a choice or a box is tried with, one field at a time.
OTHER_VALUES = {"nul": "1\x00", "infinity": "1e309", "script": hostile.SCRIPT, "long": LONG_TEXT}
