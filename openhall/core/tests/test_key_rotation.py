"""Rotating OPENHALL_DATA_KEY as docs/deployment.md prescribes (NEW,OLD; `openhall rotate-keys`;
then drop OLD) keeps every PIN opening its door, PINs unique on a lock, and ID numbers found:
the blind indexes have a key of their own that rotation does not touch."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from openhall import factories
from openhall.access.grants import _pin_taken, grant_create
from openhall.access.lock_events import keypad
from openhall.access.models import Credential, Door, SimulatedCode
from openhall.access.tests.lock_faults import FAULTS
from openhall.accounts import services as accounts
from openhall.accounts.models import User

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
ID_NUMBER = "11010519491231002X"
STORED_ID_NUMBER = "110101199003071233"


@pytest.fixture(autouse=True)
def old_key_only(settings):
    FAULTS.clear()
    settings.OPENHALL_DATA_KEY = OLD
    settings.OPENHALL_INDEX_KEY = ""


def raw(model, field: str) -> list[str]:
    """The stored ciphertexts, as the database holds them."""
    return [v for v in model.objects.values_list(Cast(field, TextField()), flat=True) if v]


def test_pins_and_id_numbers_survive_a_key_rotation(
    settings, center_a, olivia, alice, tom, django_capture_on_commit_callbacks
):
    door = Door.objects.create(center=center_a, name="大门", is_entrance=True)
    start = timezone.now() - timedelta(minutes=5)
    people = [factories.UserFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        grants = [
            grant_create(
                center=center_a,
                by=olivia,
                user=p,
                doors=[door],
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                kinds=["pin"],
            )
            for p in people
        ]
    pins = [g.credentials.get(kind="pin").secret for g in grants]
    accounts.user_verify_identity(user=alice, real_name="王爱丽", id_number=ID_NUMBER, consent=True)
    accounts.user_set_id_number(user=tom, id_number=STORED_ID_NUMBER)

    def everything_still_works():
        for pin in pins:
            assert keypad(door=door, code=pin).opened, "a valid PIN was refused"
        assert all(  # a new PIN never repeats a live one on this lock
            _pin_taken(pin, [door], start, start + timedelta(hours=1)) for pin in pins
        )
        stranger = factories.UserFactory()
        with pytest.raises(ValidationError) as taken:
            accounts.user_verify_identity(
                user=stranger, real_name="某某", id_number=ID_NUMBER, consent=True
            )
        assert taken.value.message_dict["id_number"] == [
            gettext("This ID card number belongs to another account.")
        ]
        assert User.objects.get(pk=tom.pk).id_number == STORED_ID_NUMBER
        assert [g.credentials.get(kind="pin").secret for g in grants] == pins

    everything_still_works()

    settings.OPENHALL_DATA_KEY = f"{NEW},{OLD}"  # step 1: the new key first
    everything_still_works()

    out = StringIO()
    call_command("rotate-keys", "--batch", "2", stdout=out)  # step 2: re-encrypt with the new key
    new_only = Fernet(NEW.encode())
    for model, field in ((Credential, "secret"), (SimulatedCode, "code"), (User, "id_number")):
        tokens = raw(model, field)
        assert tokens, f"nothing stored in {model.__name__}.{field}?"
        for token in tokens:
            new_only.decrypt(token.encode())  # raises if any row still needs OLD
    again = StringIO()
    call_command("rotate-keys", stdout=again)  # idempotent: nothing left to do
    assert " 0 re-encrypted" in again.getvalue() and "re-encrypted" in out.getvalue()
    before = raw(Credential, "secret")
    call_command("rotate-keys", stdout=StringIO())
    assert raw(Credential, "secret") == before

    settings.OPENHALL_DATA_KEY = NEW  # step 3: drop the old key, pinning the index key
    settings.OPENHALL_INDEX_KEY = OLD
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(raw(Credential, "secret")[0].encode())
    everything_still_works()


def test_a_dedicated_index_key_is_used_when_set(settings):
    from openhall.core.crypto import blind_index

    settings.OPENHALL_INDEX_KEY = "a-separate-index-key"
    pinned = blind_index("123456")
    settings.OPENHALL_DATA_KEY = f"{NEW},{OLD}"
    assert blind_index("123456") == pinned
    settings.OPENHALL_INDEX_KEY = ""
    assert blind_index("123456") != pinned


def _settings_in_a_new_process(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENHALL_", "SECRET_KEY", "DEBUG"))
    }
    environment.update(SECRET_KEY="x" * 50, DEBUG="false", SMS_BACKEND="aliyun", **env)
    return subprocess.run(
        [sys.executable, "-c", "import openhall.settings as s; print(s.OPENHALL_INDEX_KEY)"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_with_several_data_keys_needs_an_index_key(tmp_path):
    refused = _settings_in_a_new_process(OPENHALL_DATA_KEY=f"{NEW},{OLD}")
    assert refused.returncode != 0 and "OPENHALL_INDEX_KEY" in refused.stderr
    assert _settings_in_a_new_process(OPENHALL_DATA_KEY=OLD).returncode == 0
    pinned = _settings_in_a_new_process(OPENHALL_DATA_KEY=f"{NEW},{OLD}", OPENHALL_INDEX_KEY=OLD)
    assert pinned.returncode == 0 and pinned.stdout.strip() == OLD, pinned.stderr
    key_file = tmp_path / "index_key"
    key_file.write_text(OLD + "\n")
    from_file = _settings_in_a_new_process(
        OPENHALL_DATA_KEY=f"{NEW},{OLD}", OPENHALL_INDEX_KEY_FILE=str(key_file)
    )
    assert from_file.returncode == 0 and from_file.stdout.strip() == OLD, from_file.stderr
