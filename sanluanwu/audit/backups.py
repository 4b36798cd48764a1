"""Backups of the records: the database (PostgreSQL: pg_dump -Fc; SQLite: the online backup API), the files the
apps keep (photos, import plans, media) and a manifest of every file's size and SHA-256 with the audit chain's
head. One directory (0700, files 0600) per backup under settings.BACKUP_ROOT.

`restore` checks the whole backup against its manifest before it touches anything, replaces the database and the
files only when confirmed, and then checks that the audit chain is intact and ends where the manifest says.

The manifest is signed (HMAC-SHA256) with the backup key (SLW_BACKUP_KEY, else var/backup_key, made once): a checksum
list alone catches a damaged file, not a forged one — whoever could write to the backup store could replace the
dump and write its new hash into the manifest (helper-47), and the restore would call it whole. The key is kept
apart from the backups; restoring on another server needs it given (SLW_BACKUP_KEY).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from sanluanwu.audit import chain, dbroles
from sanluanwu.core import clock, files

MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made or restored; the message is for the operator (Chinese)."""


KEY_ENV = "SLW_BACKUP_KEY"
STAGING_PREFIX = "restore-staging-"
RESTORE_LOG = "restore-history.log"


MIN_KEY_CHARS = 16


def backup_key() -> bytes:
    """The key manifests are signed with: SLW_BACKUP_KEY, else var/backup_key (made once, whole, 0600). A key shorter
    than MIN_KEY_CHARS (an empty file: a full disk, a `touch`) is refused: anything signed with it is forgeable."""
    given = os.environ.get(KEY_ENV, "").strip()
    if given:
        if len(given) < MIN_KEY_CHARS:
            raise BackupError(f"环境变量 {KEY_ENV} 给出的备份密钥太短：至少 {MIN_KEY_CHARS} 个字符")
        return given.encode()
    path = Path(settings.VAR_DIR) / "backup_key"
    if not path.exists():
        # Written whole under another name and linked into place: a second process never reads a half-written key.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".backup_key-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):  # another process linked its key first: that one is read
                os.link(temp, path)
        finally:
            Path(temp).unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise BackupError(f"备份密钥文件 {path} 为空或太短（至少 {MIN_KEY_CHARS} 个字符）：请从另行保存的副本放回；"
                          "若从未用它做过备份，可删除该文件，下次备份时重新生成")  # fmt: skip
    return key.encode()


def key_id(key: bytes) -> str:
    """Which key signed a manifest (not the key): said when a backup was signed with another server's."""
    return hashlib.sha256(b"sanluanwu-backup-key:" + key).hexdigest()[:12]


def signature(manifest: dict[str, Any], key: bytes) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def file_roots() -> dict[str, Path]:
    """The directories whose files a backup holds, by the name they have inside it."""
    return {"photos": Path(settings.PHOTO_ROOT), "import-plans": Path(settings.IMPORT_PLAN_ROOT),
            "media": files.media_root()}  # fmt: skip


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def _copy_private(source: Path, target: Path, mode: int) -> None:
    files.private_dir(target.parent)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
        os.chmod(temp, mode & 0o700)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["-d", db["NAME"]]
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _dump_database(target: Path) -> tuple[str, int, str]:
    """Write the database to `target`; returns (its file name, audit events, chain head) as of the same moment."""
    if connection.vendor == "sqlite":
        path = target / "database.sqlite3"
        connection.ensure_connection()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
        os.close(fd)
        copy = sqlite3.connect(path)
        try:
            connection.connection.backup(copy)  # one consistent snapshot, while others keep working
            count, head = copy.execute(
                f"SELECT COUNT(*), (SELECT hash FROM {chain.TABLE} ORDER BY id DESC LIMIT 1) FROM {chain.TABLE}"
            ).fetchone()
        finally:
            copy.close()
        return path.name, int(count), head or chain.GENESIS
    path = target / "database.dump"
    args, env = _pg_env(connection.settings_dict)
    connection.ensure_connection()
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        # The dump and the manifest's chain head come from one snapshot, however many events are appended meanwhile.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*), (SELECT hash FROM {chain.TABLE} ORDER BY id DESC LIMIT 1) FROM {chain.TABLE}")
        count, head = cursor.fetchone()
        done = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}", "-f", str(path), *args],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
    path.chmod(files.FILE_MODE)
    return path.name, int(count), head or chain.GENESIS


def create() -> Path:
    """Make a backup; returns its directory."""
    root = files.private_dir(Path(settings.BACKUP_ROOT))
    stamp = clock.now().astimezone(tz=None).strftime("%Y%m%d-%H%M%S-%f")
    target = root / f"backup-{stamp}"
    target.mkdir(mode=files.DIR_MODE)
    with dbroles.as_migration_role():
        db_name, count, head = _dump_database(target)
    entries = []
    for name, source_root in file_roots().items():
        for source in _walk(source_root):
            rel = Path("files", name, source.relative_to(source_root))
            mode = stat.S_IMODE(source.stat().st_mode)
            _copy_private(source, target / rel, mode)
            entries.append({"path": rel.as_posix(), "size": (target / rel).stat().st_size,
                            "sha256": sha256_of(target / rel), "mode": mode & 0o700})  # fmt: skip
    database = target / db_name
    manifest = {
        "format": FORMAT,
        "created_at": clock.now().isoformat(),
        "vendor": connection.vendor,
        "database": {"path": db_name, "size": database.stat().st_size, "sha256": sha256_of(database)},
        "audit": {"count": count, "head": head},
        "files": entries,
    }
    key = backup_key()
    manifest["key_id"] = key_id(key)
    manifest["signature"] = signature(manifest, key)
    fd = os.open(target / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    return target


@dataclass
class Checked:
    manifest: dict[str, Any]
    problems: list[str]


def _valid_entry(entry: Any, *, mode: bool) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str) and (not mode or isinstance(entry.get("mode"), int)))  # fmt: skip


def check(backup: Path, *, stage: Path | None = None) -> Checked:
    """Compare every file of a backup with its manifest (nothing missing, changed or added) and the manifest with its
    signature. With `stage` (a private directory), each listed file is copied there as it is hashed, and a restore
    reads the copies: the bytes restored are the bytes checked, not the backup's read again later (helper-49: a dump
    swapped between the check and pg_restore restored "verified")."""
    try:
        manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
        listed = [manifest["database"], *manifest["files"]]
        assert manifest["format"] == FORMAT and {"count", "head"} <= manifest["audit"].keys()
        assert _valid_entry(manifest["database"], mode=False)
        assert all(_valid_entry(entry, mode=True) for entry in manifest["files"])
    except (OSError, ValueError, KeyError, TypeError, AssertionError, AttributeError):
        return Checked({}, [f"清单 {MANIFEST} 缺失或无法读取"])
    problems = []
    try:
        key = backup_key()
    except BackupError as exc:
        return Checked({}, [str(exc)])
    signed = manifest.get("signature")
    if not isinstance(signed, str):
        problems.append(f"清单 {MANIFEST} 没有签名：无法证明备份出自本系统且未被改动")
    elif not hmac.compare_digest(signed, signature(manifest, key)):
        # Which key the manifest names is part of what is signed: a forged one may name any, so both causes are said.
        problems.append(f"清单 {MANIFEST} 的签名不符，拒绝使用：清单在备份后被改动过（可能连同其中的哈希一起），或备份由"
                        f"另一把备份密钥签名（清单所记密钥编号 {str(manifest.get('key_id'))[:12]}，本机 {key_id(key)}；"
                        f"确属另一台服务器的备份时，请用环境变量 {KEY_ENV} 给出那台服务器的备份密钥）")  # fmt: skip
    for entry in listed:
        path = backup / entry["path"]
        if ".." in Path(entry["path"]).parts or Path(entry["path"]).is_absolute():
            problems.append(f"清单中的路径不合法：{entry['path']}")
        elif path.is_symlink() or not path.is_file():
            problems.append(f"缺少文件：{entry['path']}")
        elif path.stat().st_size != entry["size"] or _hash_copy(path, stage, entry["path"]) != entry["sha256"]:
            problems.append(f"文件与清单不符（已损坏或被改动）：{entry['path']}")
    known = {entry["path"] for entry in listed} | {MANIFEST}
    for path in sorted(backup.rglob("*")):
        rel = path.relative_to(backup).as_posix()
        if path.is_symlink() and rel not in known:
            problems.append(f"清单之外的链接：{rel}")
        elif path.is_file() and rel not in known:
            problems.append(f"清单之外的文件：{rel}")
    return Checked(manifest, problems)


def _hash_copy(source: Path, stage: Path | None, rel: str) -> str:
    """The file's SHA-256; with `stage`, of the bytes copied there (0600) as they are read."""
    if stage is None:
        return sha256_of(source)
    target = stage / rel
    files.private_dir(target.parent)
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _restore_database(backup: Path, manifest: dict[str, Any]) -> None:
    source = backup / manifest["database"]["path"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(source)
        try:
            copy.backup(connection.connection)  # page by page into the live database, under its write lock
        finally:
            copy.close()
        return
    with dbroles.as_migration_role() as app:
        args, env = _pg_env(connection.settings_dict)
        connection.close()
        done = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", *args,
             str(source)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise BackupError(f"pg_restore 失败（数据库未改动）：{done.stderr.strip()}")
        if connection.settings_dict["USER"] != app["USER"]:
            with connection.cursor() as cursor:
                dbroles.grant_application_role(cursor, app["USER"])


def _restore_files(backup: Path, manifest: dict[str, Any]) -> None:
    by_root: dict[str, dict[Path, dict[str, Any]]] = {name: {} for name in file_roots()}
    for entry in manifest["files"]:
        _, name, *rest = Path(entry["path"]).parts
        by_root.setdefault(name, {})[Path(*rest)] = entry
    for name, root in file_roots().items():
        wanted = by_root.get(name, {})
        for path in list(_walk(root)):
            if path.relative_to(root) not in wanted:
                path.unlink()
        for rel, entry in wanted.items():
            target = root / rel
            if target.is_file() and target.stat().st_size == entry["size"] and sha256_of(target) == entry["sha256"]:
                if stat.S_IMODE(target.stat().st_mode) != entry["mode"]:
                    target.chmod(entry["mode"])
                continue
            _copy_private(backup / entry["path"], target, entry["mode"])


def restore(backup: Path, *, confirmed: bool) -> chain.Verdict:
    """Replace the database and files with the backup's; nothing is touched unless the backup checks out whole. The
    files are checked as they are copied into a private staging directory (var/, the service user's), and restored
    from there."""
    if not confirmed:
        _checked(backup, None)
        raise BackupError("恢复将用备份替换当前的全部数据和文件，此后的改动会丢失；确认请加 --yes")
    for left in Path(settings.VAR_DIR).glob(f"{STAGING_PREFIX}*"):  # an interrupted restore's copies (a kill)
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=Path(settings.VAR_DIR)) as staging:
        stage = Path(staging)
        try:
            manifest = _checked(backup, stage)
        except OSError as exc:  # a full disk, a file it may not read: nothing has been touched yet
            raise BackupError(f"复制备份到暂存目录（{settings.VAR_DIR}）失败：{exc.strerror or exc}；当前数据未做任何"
                              "改动，请检查该磁盘的剩余空间和权限后重试") from None  # fmt: skip
        _restore_database(stage, manifest)
        try:
            _restore_files(stage, manifest)
        except OSError as exc:
            _log_restore(backup, manifest, outcome=f"数据库已恢复，文件恢复失败：{exc.strerror or exc}")
            raise BackupError(f"数据库已恢复为该备份的内容，但文件（照片、上传文件）恢复失败：{exc.strerror or exc}；"
                              "请排除后用同一备份再恢复一次") from None  # fmt: skip
    verdict = chain.verify()
    replaced = "数据库和文件已替换为该备份的内容，"
    if verdict.broken is not None:
        _log_restore(backup, manifest, outcome=f"审计链校验失败：{verdict.broken.message}")
        raise BackupError(f"恢复后审计链校验失败（{replaced}请核查该备份）：{verdict.broken.message}")
    if (verdict.count, verdict.head) != (manifest["audit"]["count"], manifest["audit"]["head"]):
        _log_restore(backup, manifest, outcome=f"审计链 {verdict.count} 条，与清单不符")
        raise BackupError(f"恢复后审计链（{verdict.count} 条）与备份清单（{manifest['audit']['count']} 条）不符"
                          f"（{replaced}请核查该备份）")  # fmt: skip
    _log_restore(backup, manifest, outcome="完成")
    return verdict


def _checked(backup: Path, stage: Path | None) -> dict[str, Any]:
    checked = check(backup, stage=stage)
    if checked.problems:
        raise BackupError("备份已损坏，拒绝恢复（当前数据未做任何改动）：\n" + "\n".join(checked.problems))
    if checked.manifest["vendor"] != connection.vendor:
        raise BackupError(f"该备份来自 {checked.manifest['vendor']} 数据库，当前为 {connection.vendor}，不能恢复")
    return checked.manifest


def _log_restore(backup: Path, manifest: dict[str, Any], *, outcome: str) -> None:
    """A line in var/restore-history.log (0600, appended): when, by which operating-system user, from which backup.
    Not an audit event: the chain is restored exactly as the backup holds it (the restore drill), and an event
    appended to it would be one the backup never had."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a uid without a name (a container)
        user = str(os.getuid())
    line = json.dumps({"restored_at": clock.now().isoformat(), "os_user": user, "backup": str(backup.resolve()),
                       "outcome": outcome,
                       "created_at": manifest.get("created_at"), "audit": manifest["audit"],
                       "signature": manifest.get("signature")}, ensure_ascii=False)  # fmt: skip
    fd = os.open(Path(settings.VAR_DIR) / RESTORE_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, files.FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
