"""Backups of the embedded deployment (SQLite in OPENHALL_VAR_DIR): the database, the uploaded
media and a manifest, in one .tar.gz. Used by `openhall backup` and `openhall restore`.

The database is copied with SQLite's online backup API, page by page through a connection of
its own, so the server may keep running and writing: the copy is one consistent snapshot (a
plain `cp` of a WAL database can miss what is still in the -wal file, or catch it half-way).
The keys (SECRET_KEY, OPENHALL_DATA_KEY) are never in a backup: they are kept apart, so a
stolen backup does not reveal the encrypted ID numbers and PINs.

PostgreSQL deployments back up with pg_dump (docs/deployment.md); these refuse to run there.
"""

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

MANIFEST = "manifest.json"
DATABASE = "openhall.sqlite3"
MEDIA = "media"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    archive: Path
    created_at: str
    version: str
    files: int
    migrate_needed: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _openhall_version() -> str:
    try:
        return version("openhall")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _sqlite_connection(using: str):
    connection = connections[using]
    if connection.vendor != "sqlite":
        raise BackupError(
            f"The database is {connection.vendor}, not the embedded SQLite: back it up with "
            "pg_dump -Fc (plus OPENHALL_VAR_DIR/media and the keys) — see docs/deployment.md, "
            "'Backups'."
        )
    connection.ensure_connection()
    return connection


def _applied_heads(db_file: Path) -> list[str]:
    """The latest applied migration of each app, read from a (copied) database file."""
    with sqlite3.connect(db_file) as db:
        try:
            rows = db.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # never migrated
            return []
    heads: dict[str, str] = {}
    for app, name in rows:
        heads[app] = max(heads.get(app, name), name)
    return sorted(f"{app}.{name}" for app, name in heads.items())


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def _target_file(target: Path, now: datetime) -> Path:
    if target.is_dir():
        return target / f"openhall-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def backup_create(*, target: Path, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write a backup to `target` (a .tar.gz, or a directory to put a dated one in)."""
    if getattr(settings, "OPENHALL_STORAGE", "local") != "local":
        # The uploads are in the bucket, not in media/: a backup without them would look whole
        # and restore a site with every photo and attachment missing.
        raise BackupError(
            "OPENHALL_STORAGE=s3: the uploads live in the bucket, which this command cannot "
            "copy. Back up the bucket with the provider's tools and the database with its own "
            "(docs/deployment.md, 'Uploads on S3-compatible storage')."
        )
    connection = _sqlite_connection(using)
    now = datetime.now(UTC)
    archive = _target_file(Path(target), now)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="openhall-backup-") as scratch:
        db_copy = Path(scratch) / DATABASE
        with sqlite3.connect(db_copy) as copy:
            connection.connection.backup(copy)
        copy.close()
        files = [(DATABASE, db_copy)] + [
            (f"{MEDIA}/{p.relative_to(media_root).as_posix()}", p) for p in _media_files(media_root)
        ]
        manifest = {
            "format": FORMAT,
            "version": _openhall_version(),
            "created_at": now.isoformat(),
            "database": "sqlite",
            "migration_heads": _applied_heads(db_copy),
            "files": [
                {"path": name, "size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in files
            ],
        }
        partial = archive.with_name(archive.name + ".partial")
        # Personal data (names, phone numbers) is inside: readable by the owner only.
        partial.touch(mode=0o600)
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in files:
                tar.add(path, arcname=name, recursive=False)
        partial.replace(archive)
    return archive


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.load(tar.extractfile(member))  # type: ignore[arg-type]  # None: caught below
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("Not an OpenHall backup: manifest.json is missing or broken.") from exc
    if manifest.get("format") != FORMAT or manifest.get("database") != "sqlite":
        raise BackupError(
            f"Unknown backup format {manifest.get('format')!r} ({manifest.get('database')!r})."
        )
    return manifest


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name == DATABASE or (path.parts[0] == MEDIA and len(path.parts) > 1))
    )


def _extract_checked(tar: tarfile.TarFile, manifest: dict, into: Path) -> None:
    """Extract exactly the files the manifest lists, each with its recorded SHA-256."""
    listed = {entry["path"]: entry["sha256"] for entry in manifest.get("files", [])}
    if DATABASE not in listed:
        raise BackupError("The backup holds no database.")
    members = {m.name: m for m in tar.getmembers() if m.name != MANIFEST}
    unexpected = sorted(set(members) - set(listed))
    missing = sorted(set(listed) - set(members))
    if unexpected or missing:
        raise BackupError(
            f"The backup does not match its manifest (missing {missing}, unexpected {unexpected})."
        )
    for name, sha in listed.items():
        member = members[name]
        if not _safe_name(name) or not member.isfile():
            raise BackupError(
                f"Refusing {name!r}: only the database and media files belong in a backup."
            )
        destination = into / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, destination.open("wb") as out:  # type: ignore[union-attr]  # a file
            shutil.copyfileobj(source, out)
        if _sha256(destination) != sha:
            raise BackupError(f"{name} is damaged: its SHA-256 differs from the manifest's.")


def _is_empty(connection) -> bool:
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return True
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        return cursor.fetchone()[0] == 0


def backup_restore(
    *, archive: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> Restored:
    """Put a backup's database and media in place. Stop the server first."""
    connection = _sqlite_connection(using)
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    with tempfile.TemporaryDirectory(prefix="openhall-restore-") as scratch_dir:
        scratch = Path(scratch_dir)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                manifest = _read_manifest(tar)
                _extract_checked(tar, manifest, scratch)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{archive} cannot be read: {exc}") from exc
        unknown = _newer_than_this_code(manifest["migration_heads"])
        if unknown:
            raise BackupError(
                f"The backup was made by a newer OpenHall ({manifest['version']}; migrations "
                f"{', '.join(unknown)}): install that version or later, then restore."
            )
        if not force and not _is_empty(connection):
            raise BackupError(
                "The database is not empty: restoring would replace everything in it. "
                "Stop the server, then run restore again with --force."
            )
        # Into the live file through the backup API, not by copying files over it: SQLite's
        # WAL and shared-memory files stay consistent with the new content.
        with sqlite3.connect(scratch / DATABASE) as source:
            source.backup(connection.connection)
        source.close()
        _replace_media(scratch / MEDIA, Path(settings.MEDIA_ROOT))
    executor = MigrationExecutor(connection)
    migrate_needed = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return Restored(
        archive=archive,
        created_at=manifest["created_at"],
        version=manifest["version"],
        files=len(manifest["files"]),
        migrate_needed=migrate_needed,
    )


def _newer_than_this_code(heads: list[str]) -> list[str]:
    """Heads this code has no file for and that sort after its own last migration of the app.

    (A head it merely does not know, but older, is history it replaced — e.g. the branch's
    news.0001_articles — and restores fine.)"""
    on_disk: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        on_disk.setdefault(app, set()).add(name)
    newer = []
    for head in heads:
        app, name = head.split(".", 1)
        if name not in on_disk.get(app, set()) and name > max(on_disk.get(app, {""})):
            newer.append(head)
    return newer


def _replace_media(restored: Path, media_root: Path) -> None:
    previous = media_root.with_name(media_root.name + ".before-restore")
    if previous.exists():
        shutil.rmtree(previous)
    if media_root.exists():
        media_root.rename(previous)
    if restored.is_dir():
        shutil.copytree(restored, media_root)
    else:
        media_root.mkdir(parents=True)
    if previous.exists():
        shutil.rmtree(previous)
