"""Settings, demo data and the commands a newcomer runs first."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from openhall.accounts.models import User
from openhall.core.models import AuditEntry, Center, StaffMembership
from openhall.venues.models import Space

ROOT = Path(__file__).resolve().parents[3]


def _import_settings(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "OPENHALL_DATA_KEY", "DEBUG"}
        and not k.startswith("OPENHALL_CLOCK")
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import openhall.settings"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_production_refuses_the_default_secret_key():
    result = _import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_default_data_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "OPENHALL_DATA_KEY" in result.stderr


def test_production_starts_with_its_own_keys():
    result = _import_settings(
        DEBUG="false", SECRET_KEY="x" * 50, OPENHALL_DATA_KEY="y" * 44, SMS_BACKEND="aliyun"
    )
    assert result.returncode == 0, result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("z" * 50 + "\n")
    code = "import openhall.settings as s; print(s.SECRET_KEY)"
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY_FILE": str(secret),
        "OPENHALL_DATA_KEY": "k" * 44,
        "SMS_BACKEND": "aliyun",
    }
    environment.pop("SECRET_KEY", None)
    environment.pop("OPENHALL_CLOCK", None)  # a pinned test clock is refused with DEBUG=false
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, cwd=ROOT
    )  # noqa: S603
    assert result.stdout.strip() == "z" * 50, result.stderr


def test_every_environment_variable_is_documented():
    settings_source = (ROOT / "openhall" / "settings.py").read_text()
    names = set(re.findall(r'env\w*\(\s*"([A-Z_]+)"', settings_source))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', settings_source))
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert names, "no environment variables found: has settings.py changed shape?"
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_demo_data_loads_the_seed_center_and_twice_changes_nothing(db, settings):
    settings.DEBUG = True  # as under `make run`; pytest-django turns DEBUG off
    call_command("demo_data", stdout=StringIO())
    counts = (
        Center.objects.count(),
        User.objects.count(),
        Space.objects.count(),
        StaffMembership.objects.count(),
    )
    audit = AuditEntry.objects.count()
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "nothing new" in out.getvalue()
    assert (
        Center.objects.count(),
        User.objects.count(),
        Space.objects.count(),
        StaffMembership.objects.count(),
    ) == counts
    assert AuditEntry.objects.count() == audit
    center = Center.objects.get(slug="xx-street")
    rooms = set(Space.objects.filter(center=center, parent=None).values_list("name", flat=True))
    assert {"舞蹈教室", "图书室", "多媒体活动室", "乒乓球室", "心理咨询室", "红色议事站"} <= rooms
    assert Space.objects.filter(parent__name="多媒体活动室").count() == 2


def test_demo_data_refuses_a_production_site(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_data", stdout=StringIO())
    assert not Center.objects.exists()


def test_the_django_admin_is_for_superusers_only(client, olivia, root):
    olivia.is_staff = True  # even a staff flag set by mistake does not open it
    olivia.save()
    client.force_login(olivia)
    assert client.get("/django-admin/").status_code == 302
    client.force_login(root)
    assert client.get("/django-admin/").status_code == 200
