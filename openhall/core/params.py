"""Ids from query strings and API filters, bounded to what the database stores.

Django already answers "no such row" for a primary key past 2**63 - 1, but not for a foreign
key (`door_id=`, `center_id=`): there SQLite raises OverflowError and the request became a 500.
"""

from typing import Annotated

from ninja import Field

MAX_ID = 2**63 - 1


def id_param(value: str | None) -> int | None:
    """A database id typed in a query string, or None when it cannot be one."""
    if not value or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


# An id in an API filter: a larger number is a 422 for the client, not a database error.
ApiId = Annotated[int, Field(ge=1, le=MAX_ID)]
