"""Invariant 1 in the database: no two live claims on one unit overlap in time (PostgreSQL).

SQLite has no exclusion constraints; there, claims are written inside IMMEDIATE transactions,
so writers are serialized and the service's overlap check cannot race.
"""

from django.db import migrations

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE bookings_bookingclaim ADD CONSTRAINT claim_no_overlap
       EXCLUDE USING gist (unit_id WITH =, tstzrange(start, "end", '[)') WITH &&) WHERE (live)""",
]
POSTGRES_DOWN = ["ALTER TABLE bookings_bookingclaim DROP CONSTRAINT claim_no_overlap"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(run(POSTGRES_UP), run(POSTGRES_DOWN))]
