"""`python -m bench.h5_weight`: what a resident's phone downloads for the H5 home and booking pages.

Renders each page on a throw-away SQLite database with the demo data, finds every stylesheet,
script and image the page loads, and sums their sizes as sent gzip-compressed (level 6, as
nginx and WhiteNoise do). Budget: the first page ≤ 100 KB transferred. Writes
bench/results/h5_weight.json. Nothing leaves the machine.
"""

import gzip
import json
import os
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PAGES = {"home": "/", "book": "/book/", "sms_login": "/login/sms/"}
BUDGET_BYTES = 100 * 1024
ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="openhall-h5-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="openhall.settings",
        OPENHALL_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'bench.sqlite3'}",
        DEBUG="true",
        REDIS_URL="",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("demo_data", verbosity=0)
    client = Client(
        HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger/8.0"
    )
    pages = {}
    for name, path in PAGES.items():
        response = client.get(path, follow=True)
        html = response.content
        assets = []
        for url in dict.fromkeys(ASSET_RE.findall(html.decode())):
            if not url.startswith(settings.STATIC_URL):
                continue
            found = finders.find(url[len(settings.STATIC_URL) :].split("?")[0])
            if found:
                data = Path(found).read_bytes()
                assets.append({"url": url, "bytes": len(data), "gzip_bytes": gz(data)})
        total_gzip = gz(html) + sum(a["gzip_bytes"] for a in assets)
        pages[name] = {
            "path": path,
            "status": response.status_code,
            "html_bytes": len(html),
            "html_gzip_bytes": gz(html),
            "requests": 1 + len(assets),
            "total_bytes": len(html) + sum(a["bytes"] for a in assets),
            "total_gzip_bytes": total_gzip,
            "within_budget": total_gzip <= BUDGET_BYTES,
            "assets": assets,
        }
        print(  # noqa: T201
            f"{name:10} {pages[name]['requests']:2} requests  "
            f"{pages[name]['total_bytes'] / 1024:7.1f} KB raw  {total_gzip / 1024:6.1f} KB gzip"
        )
    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": "h5_weight",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "budget_bytes": BUDGET_BYTES,
        "pages": pages,
    }
    (RESULTS / "h5_weight.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
