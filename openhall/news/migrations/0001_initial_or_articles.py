"""news.0001_initial, or — on a database built before main had the news app — its conversion.

The wechat branch had its own news app, whose `news.0001_articles` created a `news_article`
table of another shape (a `guide` JSON, `views`, other column and status codes). That branch
reached main at a2d594d; then the file was deleted and main's own `news.0001_initial` took its
place. A database built at a2d594d therefore has `news_article` and the record
`news.0001_articles`, and `news.0001_initial` stopped with "table news_article already exists".

Landed migrations are history, so neither file is edited. This migration replaces
`news.0001_initial`, which Django handles per database:
- `news.0001_initial` already applied (every database built on main since 80b8302): this one
  counts as applied and does nothing;
- a fresh database: it creates the table exactly as `news.0001_initial` does (its operation is
  reused, not copied);
- a database with `news.0001_articles` applied: it reads the old articles, drops the old table,
  creates the table as `news.0001_initial` does and writes the articles back in the new shape,
  ids kept, in the migration's transaction (nothing is half-done if it fails).
Restoring `0001_articles.py` would not help: on databases built on main it is unapplied, and
Django would run its CREATE TABLE there.
"""

import importlib
import json

from django.core.management.color import no_style
from django.db import migrations
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder

news_0001_initial = importlib.import_module("openhall.news.migrations.0001_initial")

# The branch's codes → main's codes.
COLUMNS = {
    "about": "center",
    "party": "party_news",
    "organisations": "social_orgs",
    "guide": "guides",
    "activities": "events",
}
STATUSES = {"review": "in_review", "rejected": "returned"}
# The branch's 办事指南 keys → main's fields (with their lengths); the branch's other keys
# (basis, hours, online) and any text too long for its new field go after the steps, labelled,
# so no word a center wrote is lost.
GUIDE_FIELDS = {
    "audience": ("guide_audience", 200),
    "materials": ("guide_materials", None),
    "time_limit": ("guide_time_limit", 100),
    "fees": ("guide_fees", 100),
    "office": ("guide_office", 200),
    "phone": ("guide_phone", 30),
}
GUIDE_LABELS = {
    "audience": "适用对象",
    "time_limit": "办理时限",
    "fees": "收费标准",
    "basis": "办理依据",
    "office": "办理地点",
    "hours": "办公时间",
    "phone": "咨询电话",
    "online": "网上办理",
}
OLD_COLUMNS = [
    "id", "center_id", "column", "title", "summary", "body", "guide", "pinned", "status",
    "publish_at", "published_at", "review_note", "views", "created_at", "updated_at",
    "author_id", "reviewed_by_id",
]  # fmt: skip


def _converted(old: dict) -> dict:
    guide = old["guide"] or {}
    if isinstance(guide, str):  # SQLite hands JSON back as text
        guide = json.loads(guide)
    new = {
        "id": old["id"],
        "center_id": old["center_id"],
        "column": COLUMNS.get(old["column"], old["column"]),
        "title": old["title"],
        "summary": old["summary"],
        "body": old["body"],
        "cover": "",
        "pinned": old["pinned"],
        "status": STATUSES.get(old["status"], old["status"]),
        "publish_at": old["publish_at"],
        "published_at": old["published_at"],
        "review_note": old["review_note"],
        "view_count": old["views"],
        "created_at": old["created_at"],
        "updated_at": old["updated_at"],
        "author_id": old["author_id"],
        "reviewed_by_id": old["reviewed_by_id"],
        "guide_steps": str(guide.get("steps", "")).strip(),
    }
    extra = []
    for field, _length in GUIDE_FIELDS.values():
        new[field] = ""
    for key, (field, length) in GUIDE_FIELDS.items():
        value = str(guide.get(key, "")).strip()
        if length is None or len(value) <= length:
            new[field] = value
        else:
            extra.append(f"{GUIDE_LABELS[key]}：{value}")
    for key in ("basis", "hours", "online"):
        value = str(guide.get(key, "")).strip()
        if value:
            extra.append(f"{GUIDE_LABELS[key]}：{value}")
    new["guide_steps"] = "\n".join(part for part in [new["guide_steps"], *extra] if part)
    return new


class CreateArticlesOrConvertBranchArticles(Operation):
    """`news.0001_initial`'s CreateModel, converting the branch's table first when it is there."""

    reversible = True

    def __init__(self, create):
        self.create = create

    def state_forwards(self, app_label, state):
        self.create.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        old_rows = self._take_branch_articles(schema_editor)
        self.create.database_forwards(app_label, schema_editor, from_state, to_state)
        if not old_rows:
            return
        rows = [_converted(row) for row in old_rows]
        names = list(rows[0])
        quote = schema_editor.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 — quoted constant names
            quote("news_article"),
            ", ".join(quote(name) for name in names),
            ", ".join(["%s"] * len(names)),
        )
        article = to_state.apps.get_model(app_label, "Article")
        with connection.cursor() as cursor:
            cursor.executemany(sql, [[row[name] for name in names] for row in rows])
            # Ids were kept: move PostgreSQL's identity past them (SQLite does it by itself).
            for statement in connection.ops.sequence_reset_sql(no_style(), [article]):
                cursor.execute(statement)

    def _take_branch_articles(self, schema_editor) -> list[dict]:
        connection = schema_editor.connection
        applied = MigrationRecorder(connection).applied_migrations()
        if ("news", "0001_articles") not in applied:
            return []
        with connection.cursor() as cursor:
            if "news_article" not in connection.introspection.table_names(cursor):
                return []
            quote = schema_editor.quote_name
            cursor.execute(
                "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608 — quoted constant names
                    ", ".join(quote(name) for name in OLD_COLUMNS),
                    quote("news_article"),
                    quote("id"),
                )
            )
            rows = [dict(zip(OLD_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        schema_editor.execute("DROP TABLE {}".format(quote("news_article")))
        return rows

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.create.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Create model Article, or convert the articles of news.0001_articles"

    @property
    def migration_name_fragment(self):
        return "initial_or_articles"


class Migration(migrations.Migration):
    initial = True

    replaces = [("news", "0001_initial")]

    dependencies = news_0001_initial.Migration.dependencies

    operations = [CreateArticlesOrConvertBranchArticles(op) for op in news_0001_initial.Migration.operations]
