"""Data files are the service user's alone (等保 2.0; personal data in the database, photos and import plans).

Every entry point (manage.py, config/wsgi.py, bin/serve, bin/supervise) sets the umask 0o077, so what the
processes create is 0600 / 0700; writers of data files also pass those modes explicitly. `manage.py migrate`
(run by `make run` before serving) takes group and world bits off what is already there: the SQLite file and its
-wal/-shm, var/secret_key, photos, import plans, media and backups.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Make a data directory (and its missing parents: mkdir(parents=True) would give them the umask's mode)
    readable by the service user only."""
    missing = []
    parent = path
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        _strip(directory)
    _strip(path)
    return path


def data_paths() -> Iterator[Path]:
    """The files and directories that hold data."""
    for alias in connections:
        db = connections[alias].settings_dict
        if db["ENGINE"] == "django.db.backends.sqlite3" and str(db["NAME"]) and ":memory:" not in str(db["NAME"]):
            name = Path(db["NAME"])
            yield from (name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal"))
    var = Path(getattr(settings, "VAR_DIR", settings.BASE_DIR / "var"))
    yield var / "secret_key"
    yield Path(settings.PHOTO_ROOT)
    yield Path(settings.IMPORT_PLAN_ROOT)
    yield Path(settings.STAGING_ROOT)
    yield media_root()
    yield Path(getattr(settings, "BACKUP_ROOT", var / "backups"))


def media_root() -> Path:
    """Where the default file storage keeps files (nothing stores there today; kept private and backed up)."""
    storage: dict[str, Any] = settings.STORAGES["default"]  # type: ignore[assignment]
    options: dict[str, Any] = storage.get("OPTIONS", {})
    return Path(options.get("location") or Path(settings.VAR_DIR) / "media")


def _strip(path: Path) -> None:
    mode = stat.S_IMODE(path.lstat().st_mode)
    if mode & 0o077:
        path.chmod(mode & 0o700)


def make_private() -> list[Path]:
    """Take group and world bits off every data file and directory; returns what was changed."""
    changed: list[Path] = []
    for top in data_paths():
        if not top.exists() or top.is_symlink():
            continue
        walk = [top] if top.is_file() else [top, *top.rglob("*")]
        for path in walk:
            if path.is_symlink():
                continue
            before = stat.S_IMODE(path.lstat().st_mode)
            _strip(path)
            if before & 0o077:
                changed.append(path)
    return changed
