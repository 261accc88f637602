"""Chinese first: every string the UI can show has a Chinese translation, and the compiled
catalog Django reads is the one the .po file says."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated_to_chinese():
    po = polib.pofile(str(CATALOG / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [
        e.msgid for e in po.fuzzy_entries()
    ]
    assert untranslated == []


def test_the_compiled_catalog_matches_the_po_file():
    po = polib.pofile(str(CATALOG / "django.po"))
    mo = polib.mofile(str(CATALOG / "django.mo"))
    # Keyed by context too: pgettext("door", "Open") and pgettext("opening hours", "Open") differ.
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in mo}
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in po if not e.obsolete
    }
    stale = sorted((k for k in source if compiled.get(k) != source[k]), key=str)
    assert stale == [], "run `make messages` to recompile django.mo"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Home", "首页"),
        ("Book a room", "场地预约"),
        ("Elder mode (larger text)", "长辈模式（大字）"),
    ],
)
def test_the_ui_speaks_chinese_by_default(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
