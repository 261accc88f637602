import importlib

import pytest


@pytest.fixture
def committed_db(transactional_db):
    """Data committed for real, so the event loop's worker threads see it. On SQLite the flush
    afterwards deletes row by row, which the audit log's append-only trigger refuses; its rows
    are cleared with the trigger lifted for that moment (PostgreSQL's flush truncates)."""
    yield
    from django.db import connection

    if connection.vendor == "sqlite":
        append_only = importlib.import_module(
            "openhall.core.migrations.0002_audit_entries_append_only"
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute(append_only.SQLITE_UP[1])
