"""Backup and restore: a drill (back up, change records and files, restore, all exactly as before), and refusals."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import make_case
from sanluanwu.audit import backups, chain
from sanluanwu.audit.models import AuditEvent
from sanluanwu.core.photos import original_path, store_photo
from sanluanwu.lookback.tests.test_photos import jpeg_with_exif
from sanluanwu.registry.models import Case


@pytest.fixture
def places(settings, tmp_path):
    settings.PHOTO_ROOT = tmp_path / "photos"
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"],
                                                          "OPTIONS": {"location": tmp_path / "media"}}}  # fmt: skip
    return tmp_path


def records() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows in id order."""
    state = {}
    for model in apps.get_models():
        rows = [[bytes(v) if isinstance(v, memoryview) else v for v in row]
                for row in model._base_manager.order_by("pk").values_list()]  # fmt: skip
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def file_state(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (backups.sha256_of(p), stat.S_IMODE(p.stat().st_mode))
            for p in root.rglob("*") if p.is_file()}  # fmt: skip


def command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_drill_brings_back_records_files_and_the_audit_chain_exactly(alice, campaign, district, places,
                                                                             purge_audit_after):  # fmt: skip
    make_case(alice, district["hutang"])
    kept, changed = store_photo(jpeg_with_exif(), "一.jpg"), store_photo(jpeg_with_exif(size=(640, 480)), "二.jpg")
    before_records, before_files = records(), file_state(places / "photos")
    assert "备份完成" in command("backup")
    (backup,) = (places / "backups").iterdir()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in backup.rglob("*"))
    manifest = backups.check(backup).manifest
    assert manifest["audit"] == {"count": AuditEvent.objects.count(), "head": chain.head()[1]}
    assert len(manifest["files"]) == 4 and all(len(f["sha256"]) == 64 for f in manifest["files"])

    make_case(alice, district["hutang"], name="张三五金加工作坊")  # a case added
    original_path(kept.stored_name, "jpg").unlink()  # a photo deleted
    modified = original_path(changed.stored_name, "jpg")
    modified.chmod(0o600)
    modified.write_bytes(b"not the photo")  # a photo modified
    assert Case.objects.count() == 2 and records() != before_records

    with pytest.raises(CommandError, match="确认请加 --yes"):
        call_command("restore", str(backup))
    assert Case.objects.count() == 2  # nothing touched without --yes
    assert "恢复完成，审计链完整" in command("restore", str(backup), "--yes")

    assert records() == before_records
    assert file_state(places / "photos") == before_files
    assert command("verify_audit").startswith(f"审计链完整，共 {manifest['audit']['count']} 条")
    # The restore itself is in var/restore-history.log (not the chain, which is the backup's exactly).
    logged = json.loads((Path(settings.VAR_DIR) / backups.RESTORE_LOG).read_text().splitlines()[-1])
    assert logged["backup"] == str(backup) and logged["audit"] == manifest["audit"]
    assert stat.S_IMODE((Path(settings.VAR_DIR) / backups.RESTORE_LOG).stat().st_mode) == 0o600


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_touched(alice, campaign, district, places, purge_audit_after):
    store_photo(jpeg_with_exif(), "一.jpg")
    backup = backups.create()
    make_case(alice, district["hutang"])
    photo = next((backup / "files" / "photos").rglob("*.jpg"))
    photo.chmod(0o600)
    photo.write_bytes(b"damaged")
    (backup / "extra.txt").write_text("?")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup), "--yes")
    message = str(refused.value)
    assert "备份已损坏，拒绝恢复（当前数据未做任何改动）" in message
    assert f"文件与清单不符（已损坏或被改动）：{photo.relative_to(backup).as_posix()}" in message
    assert "清单之外的文件：extra.txt" in message
    assert Case.objects.count() == 1
    os.remove(backup / backups.MANIFEST)
    with pytest.raises(CommandError, match=r"清单 manifest\.json 缺失或无法读取"):
        call_command("restore", str(backup), "--check")


def _other_kind_backup(tmp_path: Path) -> tuple[Path, str]:
    """A whole, signed backup (an empty database file) of the other database kind than this run's."""
    backup = tmp_path / "b"
    backup.mkdir()
    (backup / "database.x").write_bytes(b"")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest: dict[str, Any] = {"format": 1, "vendor": other, "audit": {"count": 0, "head": ""}, "files": [],
                                "database": {"path": "database.x", "size": 0,
                                             "sha256": hashlib.sha256(b"").hexdigest()}}  # fmt: skip
    manifest["signature"] = backups.signature(manifest, backups.backup_key())
    (backup / backups.MANIFEST).write_text(json.dumps(manifest))
    return backup, other


def test_backup_refuses_a_database_of_another_kind(tmp_path, monkeypatch):
    backup, _other = _other_kind_backup(tmp_path)
    with pytest.raises(backups.BackupError, match="不能恢复"):
        backups.restore(backup, confirmed=True)


def _rewrite_manifest(backup: Path, change: Any) -> None:
    manifest = json.loads((backup / backups.MANIFEST).read_text())
    change(manifest)
    (backup / backups.MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.django_db(transaction=True)
def test_a_forged_dump_with_its_hash_written_into_the_manifest_is_refused(alice, campaign, district, places,
                                                                          purge_audit_after, monkeypatch):  # fmt: skip
    # helper-47: whoever could write to the backup store replaced the dump, wrote its new hash and size into the
    # manifest, and the restore called the backup whole. The manifest is signed with a key kept apart.
    make_case(alice, district["hutang"])
    backup = backups.create()
    assert backups.check(backup).problems == []
    manifest = json.loads((backup / backups.MANIFEST).read_text())
    dump = backup / manifest["database"]["path"]
    dump.chmod(0o600)
    dump.write_bytes(dump.read_bytes() + b"forged")

    def rehash(m: dict[str, Any]) -> None:
        m["database"]["sha256"], m["database"]["size"] = backups.sha256_of(dump), dump.stat().st_size

    _rewrite_manifest(backup, rehash)
    problems = backups.check(backup).problems
    assert len(problems) == 1 and "签名不符" in problems[0], problems
    with pytest.raises(CommandError, match="签名不符"):
        call_command("restore", str(backup), "--yes")
    assert Case.objects.count() == 1
    _rewrite_manifest(backup, lambda m: m.pop("signature"))
    assert any("没有签名" in p for p in backups.check(backup).problems)


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_checked_on_another_server_with_the_key_it_was_signed_with(alice, campaign, district, places,
                                                                               purge_audit_after, monkeypatch):  # fmt: skip
    monkeypatch.setenv(backups.KEY_ENV, "the-first-servers-backup-key")
    backup = backups.create()
    monkeypatch.setenv(backups.KEY_ENV, "another-servers-key")
    problems = backups.check(backup).problems
    assert len(problems) == 1 and "另一把备份密钥" in problems[0] and backups.KEY_ENV in problems[0]
    monkeypatch.setenv(backups.KEY_ENV, "the-first-servers-backup-key")
    assert backups.check(backup).problems == []


@pytest.mark.django_db(transaction=True)
def test_a_dump_swapped_after_the_check_is_not_what_is_restored(alice, campaign, district, places, purge_audit_after,
                                                               monkeypatch):  # fmt: skip
    # helper-49: the check hashed the backup's files, pg_restore read them again seconds later; a dump swapped in
    # between restored "verified". The files are now copied into a private staging directory as they are hashed.
    make_case(alice, district["hutang"])
    before = records()
    backup = backups.create()
    make_case(alice, district["hutang"], name="张三五金加工作坊")
    dump = backup / json.loads((backup / backups.MANIFEST).read_text())["database"]["path"]
    original = backups._restore_database

    def swapped_meanwhile(stage: Path, manifest: dict[str, Any]) -> None:
        dump.chmod(0o600)
        dump.write_bytes(b"forged after the check")
        assert stage != backup and stat.S_IMODE(stage.stat().st_mode) == 0o700
        original(stage, manifest)

    monkeypatch.setattr(backups, "_restore_database", swapped_meanwhile)
    backups.restore(backup, confirmed=True)
    assert records() == before
    assert not list(Path(settings.VAR_DIR).glob("restore-staging-*"))  # the staging copy is gone


def test_a_backup_key_that_is_empty_or_short_signs_nothing(tmp_path, settings, monkeypatch):
    # helper-49: an empty var/backup_key (a full disk, a touch) signed and verified forgeries with the empty key.
    settings.VAR_DIR = tmp_path
    (tmp_path / "backup_key").write_text("")
    with pytest.raises(backups.BackupError, match="为空或太短"):
        backups.backup_key()
    (tmp_path / backups.MANIFEST).write_text(json.dumps({"format": 1, "vendor": "x", "audit": {"count": 0, "head": ""},
                                                         "files": [], "database": {"path": "d", "size": 0,
                                                                                    "sha256": ""}}))  # fmt: skip
    assert "为空或太短" in backups.check(tmp_path).problems[0]
    monkeypatch.setenv(backups.KEY_ENV, "short")
    with pytest.raises(backups.BackupError, match="太短"):
        backups.backup_key()
    monkeypatch.delenv(backups.KEY_ENV)
    (tmp_path / "backup_key").unlink()
    made = backups.backup_key()
    assert len(made) >= backups.MIN_KEY_CHARS and stat.S_IMODE((tmp_path / "backup_key").stat().st_mode) == 0o600
    assert backups.backup_key() == made  # made once


@pytest.mark.django_db(transaction=True)
def test_a_linked_directory_or_a_malformed_manifest_is_said_not_a_traceback(alice, campaign, district, places,
                                                                         purge_audit_after, tmp_path):  # fmt: skip
    backup = backups.create()
    (backup / "etc").symlink_to(tmp_path, target_is_directory=True)
    assert "清单之外的链接：etc" in backups.check(backup).problems
    (backup / "etc").unlink()
    assert backups.check(backup).problems == []
    for broken in ({"x": 1}, "files/a.jpg", {"path": 5, "size": 1, "sha256": "x", "mode": 384}):
        _rewrite_manifest(backup, lambda m, b=broken: m["files"].append(b))
        assert backups.check(backup).problems == [f"清单 {backups.MANIFEST} 缺失或无法读取"]
        _rewrite_manifest(backup, lambda m: m["files"].pop())


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_cannot_stage_says_so_and_leaves_nothing_behind(alice, campaign, district, places,
                                                                       purge_audit_after, monkeypatch):  # fmt: skip
    # helper-50: a full disk while staging gave a traceback; a killed restore left its staging copy for good.
    make_case(alice, district["hutang"])
    backup = backups.create()
    left = Path(settings.VAR_DIR) / f"{backups.STAGING_PREFIX}killed"
    left.mkdir(mode=0o700)
    (left / "database.dump").write_bytes(b"an interrupted restore's copy")

    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_hash_copy", full)
    with pytest.raises(CommandError, match=r"复制备份到暂存目录.*失败：No space left on device；当前数据未做任何改动"):
        call_command("restore", str(backup), "--yes")
    assert not list(Path(settings.VAR_DIR).glob(f"{backups.STAGING_PREFIX}*"))
    assert Case.objects.count() == 1


def test_check_says_a_whole_backup_of_another_database_kind_cannot_be_restored_here(tmp_path):
    backup, other = _other_kind_backup(tmp_path)
    with pytest.raises(CommandError, match=f"备份完好，与清单一致，但它来自 {other} 数据库"):
        call_command("restore", str(backup), "--check")
