"""A center's data outlives the code: upgrades keep it (landed migrations are never rewritten,
a database built before main had the news app still upgrades), exports keep PINs and ID numbers
encrypted, and a backup of the embedded SQLite deployment restores what it saved.

The full upgrade from an earlier commit (its own code and dependencies, then today's
migrations) is scripts/upgrade_check.sh, run by .ci/run on PostgreSQL."""

import importlib
import importlib.util
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.base import DeserializationError
from django.db import connection
from django.utils import timezone

from openhall.access.grants import grant_create
from openhall.access.models import Credential, Door
from openhall.accounts.models import User
from openhall.core import crypto

ROOT = Path(__file__).resolve().parents[3]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- Landed migrations are history -----------------------------------------------------------


def test_no_landed_migration_was_edited_or_deleted():
    lock = _script("lock_migrations")
    assert lock.read_lock(), "openhall/migrations.lock lists the landed migrations"
    assert lock.problems() == []


@pytest.fixture
def project(tmp_path):
    """A project with two landed migrations, locked as they landed."""
    migrations = tmp_path / "openhall" / "news" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text("operations = ['create articles']\n")
    (migrations / "0002_attachments.py").write_text("operations = ['create attachments']\n")
    lock = _script("lock_migrations")
    assert len(lock.write(tmp_path)) == 2
    return tmp_path, migrations, lock


def test_editing_a_landed_migration_fails_the_check(project):
    root, migrations, lock = project
    (migrations / "0001_initial.py").write_text("operations = ['create articles', 'oops']\n")
    assert lock.problems(root) == [
        "openhall/news/migrations/0001_initial.py was edited (landed migrations are history)"
    ]


def test_deleting_a_landed_migration_fails_the_check(project):
    root, migrations, lock = project
    (migrations / "0002_attachments.py").unlink()
    assert lock.problems(root) == [
        "openhall/news/migrations/0002_attachments.py was deleted (landed migrations are history)"
    ]


def test_a_new_migration_is_allowed_and_locked_when_it_lands(project):
    root, migrations, lock = project
    (migrations / "0003_cover_alt.py").write_text("operations = ['add alt text']\n")
    assert lock.problems(root) == []
    assert lock.write(root) == ["openhall/news/migrations/0003_cover_alt.py"]
    (migrations / "0003_cover_alt.py").write_text("operations = ['changed after landing']\n")
    assert lock.problems(root) != []


def test_locking_again_never_blesses_an_edit(project):
    root, migrations, lock = project
    (migrations / "0001_initial.py").write_text("operations = ['rewritten']\n")
    lock.write(root)
    assert lock.problems(root) != []


# --- A database built at a2d594d (the branch's news.0001_articles) upgrades --------------------

upgrade = importlib.import_module("openhall.news.migrations.0001_initial_or_articles")


def test_the_branchs_articles_keep_every_word_in_mains_shape():
    old = {
        "id": 7,
        "center_id": 1,
        "column": "guide",
        "title": "居住证办理",
        "summary": "",
        "body": "<p>正文</p>",
        "pinned": True,
        "status": "review",
        "publish_at": None,
        "published_at": None,
        "review_note": "",
        "views": 42,
        "created_at": "2026-11-25 04:52:00",
        "updated_at": "2026-11-25 04:53:00",
        "author_id": 3,
        "reviewed_by_id": None,
        "guide": json.dumps(
            {
                "audience": "来连务工人员",
                "materials": "身份证、租房合同",
                "steps": "预约 → 到场",
                "fees": "免费",
                "basis": "《居住证暂行条例》",
                "office": "一楼服务台",
                "hours": "周一至周五",
                "phone": "0411-80000000 转 8001（工作日 8:30–17:00）",
                "online": "大连市政务服务网",
            },
            ensure_ascii=False,
        ),
    }
    new = upgrade._converted(old)
    assert (new["id"], new["column"], new["status"], new["view_count"]) == (
        7,
        "guides",
        "in_review",
        42,
    )
    assert (new["guide_audience"], new["guide_materials"], new["guide_fees"]) == (
        "来连务工人员",
        "身份证、租房合同",
        "免费",
    )
    assert new["guide_office"] == "一楼服务台"
    # Keys main has no field for, and a phone longer than main's 30 characters, go after the
    # steps, labelled — nothing a center wrote is dropped.
    assert new["guide_steps"].splitlines() == [
        "预约 → 到场",
        "咨询电话：0411-80000000 转 8001（工作日 8:30–17:00）",
        "办理依据：《居住证暂行条例》",
        "办公时间：周一至周五",
        "网上办理：大连市政务服务网",
    ]
    assert new["guide_phone"] == ""


# --- Exports keep personal data encrypted -------------------------------------------------------


@pytest.fixture
def pin_grant(db, center_a, olivia, alice):
    door = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    start = timezone.now() + timedelta(days=1)
    grant = grant_create(
        center=center_a,
        by=olivia,
        user=alice,
        doors=[door],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        pin="475422",
    )
    return grant.credentials.get(kind="pin")


def dump(*labels: str) -> str:
    out = io.StringIO()
    call_command("dumpdata", *labels, format="json", stdout=out)
    return out.getvalue()


def test_dumpdata_writes_pins_and_id_numbers_encrypted(pin_grant, alice):
    alice.id_number = "110101199003074514"
    alice.save(update_fields=["id_number"])
    exported = dump("access.credential", "accounts.user")
    assert "475422" not in exported
    assert "110101199003074514" not in exported
    secrets = [
        row["fields"]["secret"]
        for row in json.loads(exported)
        if row["model"] == "access.credential"
    ]
    assert [s[:13] for s in secrets if s] == ["fernet:gAAAAA"]  # the PIN; remote unlock has none


def test_loaddata_reads_an_export_back_with_the_same_data_key(pin_grant, alice, tmp_path):
    alice.id_number = "110101199003074514"
    alice.save(update_fields=["id_number"])
    export = tmp_path / "center.json"
    export.write_text(dump("access.credential", "accounts.user"), encoding="utf-8")
    Credential.objects.filter(pk=pin_grant.pk).update(secret="000000")
    User.objects.filter(pk=alice.pk).update(id_number="")

    call_command("loaddata", str(export), verbosity=0)

    assert Credential.objects.get(pk=pin_grant.pk).secret == "475422"
    assert User.objects.get(pk=alice.pk).id_number == "110101199003074514"


@pytest.fixture
def another_data_key(settings):
    crypto._fernet.cache_clear()
    yield (
        lambda: (
            setattr(settings, "OPENHALL_DATA_KEY", "another center's key")
            or crypto._fernet.cache_clear()
        )
    )
    crypto._fernet.cache_clear()


def test_loaddata_refuses_an_export_made_with_another_data_key(
    pin_grant, tmp_path, another_data_key
):
    export = tmp_path / "center.json"
    export.write_text(dump("access.credential"), encoding="utf-8")
    another_data_key()
    with pytest.raises(DeserializationError):
        call_command("loaddata", str(export), verbosity=0)


# --- Backup and restore of the embedded SQLite deployment ---------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="backup and restore are for the embedded SQLite"
)


def _photo(settings) -> Path:
    photo = Path(settings.MEDIA_ROOT) / "spaces" / "1" / "dance.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8 a photo of the dance room \xff\xd9")
    return photo


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_data_and_the_photos_as_they_were(center_a, settings, tmp_path):
    photo = _photo(settings)
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups") + "/", stdout=out)
    (archive,) = (tmp_path / "backups").glob("openhall-backup-*.tar.gz")
    assert str(archive) in out.getvalue()

    center_a.name = "改过的名字"
    center_a.save(update_fields=["name"])
    photo.unlink()

    call_command("restore", str(archive), "--force", stdout=io.StringIO())

    center_a.refresh_from_db()
    assert center_a.name != "改过的名字"
    assert photo.read_bytes() == b"\xff\xd8 a photo of the dance room \xff\xd9"


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_manifest_lists_every_file_with_its_sha256_and_the_migrations(
    center_a, settings, tmp_path
):
    import hashlib
    import tarfile

    _photo(settings)
    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        files = {e["path"]: e["sha256"] for e in manifest["files"]}
        assert set(files) == {"openhall.sqlite3", "media/spaces/1/dance.jpg"}
        for name, sha in files.items():
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == sha
    assert "news.0003_attachments_in_private_storage" in manifest["migration_heads"]
    assert manifest["version"] and manifest["created_at"]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_to_overwrite_a_database_in_use_without_force(center_a, tmp_path):
    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    center_a.name = "备份之后的改动"
    center_a.save(update_fields=["name"])
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(tmp_path / "b.tar.gz"))
    center_a.refresh_from_db()
    assert center_a.name == "备份之后的改动"


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup(center_a, tmp_path):
    import tarfile

    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        members = {m.name: (m, tar.extractfile(m).read()) for m in tar.getmembers()}
    # A database quietly swapped for another: the manifest's SHA-256 no longer matches.
    with tarfile.open(tmp_path / "damaged.tar.gz", "w:gz") as tar:
        for name, (member, data) in members.items():
            if name == "openhall.sqlite3":
                data = data[:-1] + bytes([data[-1] ^ 1])
            tar.addfile(member, io.BytesIO(data))
    center_a.name = "不能被坏备份覆盖"
    center_a.save(update_fields=["name"])
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(tmp_path / "damaged.tar.gz"), "--force")
    center_a.refresh_from_db()
    assert center_a.name == "不能被坏备份覆盖"


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restore_writes_nothing_outside_the_database_and_media(center_a, tmp_path):
    import tarfile

    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        members = {m.name: (m, tar.extractfile(m).read()) for m in tar.getmembers()}
    manifest = json.loads(members["manifest.json"][1])
    evil = b"export SECRET_KEY=stolen\n"
    manifest["files"].append(
        {"path": "media/../../.bashrc", "size": len(evil), "sha256": hashlib_sha256(evil)}
    )
    with tarfile.open(tmp_path / "evil.tar.gz", "w:gz") as tar:
        for name, (member, data) in members.items():
            if name == "manifest.json":
                data = json.dumps(manifest).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        info = tarfile.TarInfo("media/../../.bashrc")
        info.size = len(evil)
        tar.addfile(info, io.BytesIO(evil))
    with pytest.raises(CommandError, match="Refusing"):
        call_command("restore", str(tmp_path / "evil.tar.gz"), "--force")
    assert not (tmp_path / ".bashrc").exists()


def hashlib_sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_on_postgresql_backup_explains_pg_dump(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(CommandError, match="pg_dump -Fc"):
        call_command("backup", "/nonexistent/never-written.tar.gz")


def test_with_uploads_in_a_bucket_backup_refuses_rather_than_leave_them_out(settings, tmp_path):
    settings.OPENHALL_STORAGE = "s3"
    with pytest.raises(CommandError, match="uploads live in the bucket"):
        call_command("backup", str(tmp_path / "never-written.tar.gz"))
    assert not (tmp_path / "never-written.tar.gz").exists()
