"""Data files are readable by the service user only: the SQLite file, photos, import plans (core.files)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from sanluanwu.core import files
from sanluanwu.core.photos import original_path, preview_path, store_photo
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """A process started without the entry points' umask: modes must still come out private."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_fresh_sqlite_database_and_secret_key_made_by_manage_py_are_the_service_users_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["SLW_VAR_DIR"] = str(tmp_path / "var")
    code = "from django.db import connection\nwith connection.cursor() as c: c.execute('CREATE TABLE t (x)')"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR, env=env, check=True,
                   timeout=120)  # fmt: skip
    db = tmp_path / "var" / "sanluanwu.sqlite3"
    made = [db, *(p for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()), tmp_path / "var" / "secret_key"]
    assert db.exists() and all(mode(p) & 0o077 == 0 for p in made), {p.name: oct(mode(p)) for p in made}
    assert mode(tmp_path / "var") & 0o077 == 0


def test_a_stored_photo_and_its_preview_are_not_group_or_world_readable(settings, tmp_path, loose_umask):
    settings.PHOTO_ROOT = tmp_path / "photos"
    photo = store_photo(jpeg_with_exif(), "现场.jpg")
    original = original_path(photo.stored_name, "jpg")
    assert mode(original) == 0o400  # written once, read-only
    assert mode(preview_path(photo.stored_name)) == 0o600
    assert mode(original.parent) == 0o700 and mode(preview_path(photo.stored_name).parent) == 0o700


def test_migrate_takes_group_and_world_bits_off_existing_data_files(settings, tmp_path):
    settings.PHOTO_ROOT = tmp_path / "photos"
    old = tmp_path / "photos" / "originals" / "old.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    old.chmod(0o644)
    old.parent.chmod(0o755)
    changed = files.make_private()
    assert old in changed and mode(old) == 0o600 and mode(old.parent) == 0o700
