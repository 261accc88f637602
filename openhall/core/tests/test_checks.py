"""Production configuration: what `openhall check --deploy` warns about, and what a site with
DEBUG=false refuses to start with."""

import pytest
from django.core.management import call_command

from openhall.core import checks
from openhall.core.tests.test_setup import _import_settings

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "OPENHALL_DATA_KEY": "y" * 44}

SAFE = {
    "SMS_BACKEND": "aliyun",
    "IDENTITY_VERIFIER": "example.verifiers.Provider",
    "WECHAT_TOKEN": "",
    "WECHAT_ENCODING_AES_KEY": "",
    "SECURE_HSTS_SECONDS": 31536000,
}


def ids(found) -> set[str]:
    return {message.id for message in found}


def test_a_configured_production_site_passes(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    assert ids(checks.production_settings(None)) == set()


@pytest.mark.parametrize(
    ("setting", "value", "warning"),
    [
        ("SMS_BACKEND", "console", "openhall.W001"),
        ("IDENTITY_VERIFIER", "fake", "openhall.W002"),
        ("SECURE_HSTS_SECONDS", 0, "openhall.W004"),
    ],
)
def test_each_development_default_is_named(settings, setting, value, warning):
    for name, safe in SAFE.items():
        setattr(settings, name, safe)
    setattr(settings, setting, value)
    assert ids(checks.production_settings(None)) == {warning}


def test_a_wechat_callback_without_an_aes_key_is_named(settings):
    for name, safe in SAFE.items():
        setattr(settings, name, safe)
    settings.WECHAT_TOKEN = "token-from-the-official-account"
    assert ids(checks.production_settings(None)) == {"openhall.W003"}
    settings.WECHAT_ENCODING_AES_KEY = "k" * 43
    assert ids(checks.production_settings(None)) == set()


def test_check_deploy_runs_them(settings, capsys):
    settings.SMS_BACKEND = "console"
    call_command("check", "--deploy", "--fail-level", "CRITICAL")
    assert "openhall.W001" in capsys.readouterr().err


def test_production_refuses_the_console_sms_backend_unless_it_is_a_demo_site():
    refused = _import_settings(**PRODUCTION, SMS_BACKEND="console")
    assert refused.returncode != 0 and "SMS_BACKEND" in refused.stderr
    demo = _import_settings(**PRODUCTION, SMS_BACKEND="console", OPENHALL_DEMO_SITE="true")
    assert demo.returncode == 0, demo.stderr


def test_hsts_is_set_from_the_environment():
    code = "import openhall.settings as s; print(s.SECURE_HSTS_SECONDS)"
    import os
    import subprocess
    import sys

    from openhall.core.tests.test_setup import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENHALL_CLOCK")}
    env.update(PRODUCTION, SMS_BACKEND="aliyun", SECURE_HSTS_SECONDS="3600")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,  # noqa: S603
        text=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == "3600", result.stderr
