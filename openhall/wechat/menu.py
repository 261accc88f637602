"""The custom menu: read from a file, checked against WeChat's limits, then published."""

import json
from pathlib import Path

from django.conf import settings

TOP_MAX, SUB_MAX = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024
TYPES = {"click", "view", "miniprogram", "scancode_push", "location_select"}


class MenuError(ValueError):
    pass


def load_menu(path: str | None = None) -> dict:
    text = Path(path or settings.WECHAT_MENU_FILE).read_text(encoding="utf-8")
    return json.loads(text.replace("{site}", settings.SITE_URL))


def _check_leaf(button: dict, where: str) -> list[str]:
    errors = []
    kind = button.get("type")
    if kind not in TYPES:
        errors.append(f"{where}: unknown type {kind!r}")
    if kind == "click" and not 0 < len(button.get("key", "").encode()) <= KEY_BYTES:
        errors.append(f"{where}: key must be 1–{KEY_BYTES} bytes")
    if kind == "view":
        url = button.get("url", "")
        if not url.startswith(("http://", "https://")) or len(url.encode()) > URL_BYTES:
            errors.append(f"{where}: url must be absolute and ≤ {URL_BYTES} bytes")
    return errors


def validate_menu(menu: dict) -> list[str]:
    """Every problem WeChat would refuse the menu for (40017/40018/…), in words."""
    errors: list[str] = []
    buttons = menu.get("button") or []
    if not 1 <= len(buttons) <= TOP_MAX:
        errors.append(f"the menu needs 1–{TOP_MAX} top buttons, not {len(buttons)}")
    for i, button in enumerate(buttons, 1):
        name = button.get("name", "")
        if not 0 < len(name.encode()) <= TOP_NAME_BYTES:
            errors.append(f"button {i} {name!r}: name must be 1–{TOP_NAME_BYTES} bytes")
        subs = button.get("sub_button")
        if subs is None:
            errors += _check_leaf(button, f"button {i}")
            continue
        if not 1 <= len(subs) <= SUB_MAX:
            errors.append(f"button {i}: 1–{SUB_MAX} sub-buttons, not {len(subs)}")
        for j, sub in enumerate(subs, 1):
            sub_name = sub.get("name", "")
            if not 0 < len(sub_name.encode()) <= SUB_NAME_BYTES:
                errors.append(f"button {i}.{j} {sub_name!r}: name must be 1–{SUB_NAME_BYTES} bytes")
            errors += _check_leaf(sub, f"button {i}.{j}")
    return errors
