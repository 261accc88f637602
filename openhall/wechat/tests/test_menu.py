import json

import pytest
from django.core.management import CommandError, call_command

from openhall.wechat.menu import load_menu, validate_menu


def test_the_shipped_menu_is_valid():
    assert validate_menu(load_menu()) == []


@pytest.mark.parametrize(
    ("menu", "problem"),
    [
        ({"button": []}, "1–3 top buttons"),
        ({"button": [{"type": "click", "name": "x", "key": "k"}] * 4}, "1–3 top buttons"),
        ({"button": [{"type": "click", "name": "党群服务中心预约", "key": "k"}]}, "1–16 bytes"),
        (
            {
                "button": [
                    {"name": "多", "sub_button": [{"type": "click", "name": "a", "key": "k"}] * 6}
                ]
            },
            "1–5 sub-buttons",
        ),
        ({"button": [{"type": "click", "name": "a", "key": "k" * 129}]}, "key"),
        ({"button": [{"type": "view", "name": "a", "url": "/relative"}]}, "url"),
    ],
)
def test_menus_breaking_wechat_limits_are_refused(menu, problem):
    assert any(problem in error for error in validate_menu(menu))


def test_sync_menu_publishes_to_wechat(fake_wechat, capsys):
    call_command("wechat", "sync-menu")
    assert [b["name"] for b in fake_wechat.menu["button"]] == ["预约场地", "办事服务", "我的"]
    assert "published" in capsys.readouterr().out


def test_sync_menu_refuses_a_bad_file_before_sending(fake_wechat, tmp_path):
    path = tmp_path / "menu.json"
    path.write_text(
        json.dumps({"button": [{"type": "view", "name": "很长很长很长的名字", "url": "x"}]})
    )
    with pytest.raises(CommandError, match="limits"):
        call_command("wechat", "sync-menu", "--file", str(path))
    assert fake_wechat.menu is None
    assert fake_wechat.count("/cgi-bin/menu/create") == 0
