"""Photos a refused form was sent with, kept for the same user's next try of the same form.

A browser cannot refill a file input: a form refused for a missing field or an evidence warning (a photo taken the
day before, far from the place) came back with every photo to choose again, on a phone, on site, item by item
(helper-32). The photos of the refused try are kept on disk under a token that lives in the user's session (never in
the page: another user, or another session, cannot name them), listed on the form as kept, and sent with the next try
of the same form unless the user drops them. They are removed when the form succeeds, when dropped, and after
MAX_AGE whatever happens.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from sanluanwu.core import clock, files

MAX_AGE = dt.timedelta(days=1)  # a try left for a day is not coming back
_SESSION_KEY = "slw_staged"


@dataclass(frozen=True)
class Kept:
    field: str
    name: str
    data: bytes


def _root() -> Path:
    return files.private_dir(Path(settings.STAGING_ROOT))


def _tokens(request: Any) -> dict[str, str]:
    value = request.session.get(_SESSION_KEY)
    return value if isinstance(value, dict) else {}


def _directory(request: Any, form: str) -> Path | None:
    token = _tokens(request).get(form)
    if not isinstance(token, str) or not token.isalnum():
        return None
    path = _root() / token
    return path if path.is_dir() else None


def _manifest(path: Path) -> dict[str, Any]:
    try:
        value = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def kept(request: Any, form: str) -> list[Kept]:
    """The photos kept from this user's last refused try of `form` (in the order they were sent)."""
    path = _directory(request, form)
    if path is None:
        return []
    try:
        return [Kept(m["field"], m["name"], (path / m["file"]).read_bytes()) for m in _manifest(path).get("photos", [])]
    except (OSError, KeyError, TypeError):
        return []


def names(request: Any, form: str) -> dict[str, list[str]]:
    """Field → the names of its kept photos (what the form lists), without reading the photos."""
    path = _directory(request, form)
    out: dict[str, list[str]] = {}
    for m in _manifest(path).get("photos", []) if path is not None else []:
        out.setdefault(str(m.get("field", "")), []).append(str(m.get("name", "")))
    return out


def keep(request: Any, form: str, photos: list[Kept]) -> None:
    """Keep `photos` (all a refused try was sent with, kept ones included) for the next try of `form`; nothing to keep
    forgets the earlier ones."""
    discard(request, form)
    _sweep()
    if not photos:
        return
    token = secrets.token_hex(16)
    path = files.private_dir(_root() / token)
    manifest = []
    for n, photo in enumerate(photos):
        name = f"{n:03d}.bin"
        target = path / name
        target.write_bytes(photo.data)
        target.chmod(files.FILE_MODE)
        manifest.append({"field": photo.field, "name": photo.name[:200], "file": name})
    (path / "manifest.json").write_text(json.dumps({"created": clock.now().isoformat(), "photos": manifest},
                                                   ensure_ascii=False), encoding="utf-8")  # fmt: skip
    tokens = _tokens(request)
    tokens[form] = token
    request.session[_SESSION_KEY] = tokens


def discard(request: Any, form: str) -> None:
    """Forget the photos kept for `form` (the form succeeded, or the user chose to send others)."""
    path = _directory(request, form)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
    tokens = _tokens(request)
    if form in tokens:
        del tokens[form]
        request.session[_SESSION_KEY] = tokens


def _sweep() -> None:
    """Remove what was kept longer than MAX_AGE ago (a try nobody came back to), by the time its manifest says (the
    application's clock, as everything else: a file's own time is the disk's, which tests and CI's moved clock do not
    move)."""
    cutoff = clock.now() - MAX_AGE
    for path in _root().iterdir():
        if not path.is_dir():
            continue
        try:
            created = dt.datetime.fromisoformat(str(_manifest(path).get("created", "")))
        except ValueError:
            created = None  # half written or unreadable: gone as stale
        if created is None or created < cutoff:
            shutil.rmtree(path, ignore_errors=True)
