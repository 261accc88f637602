"""Landed migrations are history: record them with their SHA-256, and check nobody rewrote one.

    python scripts/lock_migrations.py            # add every migration file not yet listed
    python scripts/lock_migrations.py --check    # exit 1 if a listed migration was edited or deleted

The list is `openhall/migrations.lock`. A migration not yet listed (one your branch adds) is
allowed; once it lands on main it is added (the lead runs this script after merging, and before
tagging a release) and from then on `make test` (core/tests/test_upgrades_and_data.py) fails
if it changes. Adding only ever appends: an entry already listed keeps its recorded hash, so
running the script never blesses an edit. To change history on purpose — you almost never
should: add a new migration, or squash with `replaces` — remove the line by hand and say why in
the commit.
"""

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "openhall" / "migrations.lock"
HEADER = (
    "# Landed migrations and their SHA-256: never edit or delete one of these files.\n"
    "# Regenerate with `python scripts/lock_migrations.py` after landing (it only appends).\n"
)


def migration_files(root: Path = ROOT) -> list[str]:
    package = root / "openhall"
    return sorted(
        path.relative_to(root).as_posix()
        for path in package.glob("*/migrations/[0-9]*.py")
        if path.is_file()
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(lock: Path = LOCK) -> dict[str, str]:
    entries = {}
    if not lock.exists():
        return entries
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            sha, path = line.split(maxsplit=1)
            entries[path] = sha
    return entries


def problems(root: Path = ROOT, lock: Path | None = None) -> list[str]:
    """What happened to landed migrations: each edit or deletion, one line each."""
    found = []
    for path, sha in read_lock(lock or root / "openhall" / "migrations.lock").items():
        file = root / path
        if not file.exists():
            found.append(f"{path} was deleted (landed migrations are history)")
        elif digest(file) != sha:
            found.append(f"{path} was edited (landed migrations are history)")
    return found


def write(root: Path = ROOT, lock: Path | None = None) -> list[str]:
    """Append the migration files not yet listed; return them."""
    lock = lock or root / "openhall" / "migrations.lock"
    entries = read_lock(lock)
    added = [path for path in migration_files(root) if path not in entries]
    for path in added:
        entries[path] = digest(root / path)
    body = "".join(f"{sha}  {path}\n" for path, sha in sorted(entries.items()))
    lock.write_text(HEADER + body, encoding="utf-8")
    return added


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        trouble = problems()
        print("\n".join(trouble) or "every landed migration is as it landed")
        sys.exit(1 if trouble else 0)
    if sys.argv[1:]:
        sys.exit(__doc__)
    trouble = problems()
    if trouble:
        sys.exit("\n".join(trouble) + "\nnot adding anything while history is rewritten")
    added = write()
    print(f"{len(added)} migration(s) added to {LOCK.relative_to(ROOT)}")
    for path in added:
        print(f"  {path}")
