"""``column IN (…)`` for a chunk of thousands of ids, and rows to write, each sent as one parameter.

Scoring filters a dozen queries per chunk of 5,000 subjects by their ids.
Django prepares an ``__in`` list value by value (a foreign key's through the
related field as well) and writes a placeholder for each: about 0.2 s per
filter of 5,000 ids on a loaded two-core machine, more than most of those
queries took in the database. Here the ids go as one array (PostgreSQL,
``= ANY(%s)``, which plans like ``IN``) or one JSON text (SQLite's
``json_each``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, F, Func


class IdsIn(Func):
    """A condition for ``filter()``: ``column`` is one of ``ids``."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            # The array as its text: the driver's own adapter dumps a list element by
            # element in Python, about 15 ms a chunk of 5,000 ids.
            return f"{column} = ANY(%s::bigint[])", [*params, "{" + ",".join(map(str, self.ids)) + "}"]
        if connection.vendor == "sqlite":
            # The column is the compiler's quoted name; the ids are a parameter.
            return f"{column} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.ids)]  # noqa: S608
        if not self.ids:
            return "1 = 0", params
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", [*params, *self.ids]


def json_rows(fields: list) -> tuple[str, list[str]]:
    """Reading rows sent as one JSON parameter (a list of lists): the FROM item, and each column's expression.

    For the same reason as ``IdsIn``: tens of thousands of scores or totals
    sent as separate parameters cost the driver about 8 µs each on
    PostgreSQL (it quotes each into the text), several seconds a province;
    one JSON text costs ``json.dumps``. Element ``n`` of each row is
    ``fields[n]``'s value: a number, a string (decimals too, exactly), a
    boolean, or an object for a JSON field.
    """
    if connection.vendor == "postgresql":
        source = "jsonb_array_elements(CAST(%s AS jsonb)) AS r"

        def element(n: int, field) -> str:
            if field.get_internal_type() == "JSONField":
                return f"r.value -> {n}"
            return f"CAST(r.value ->> {n} AS {field.db_type(connection)})"

    else:
        source = "json_each(%s) AS r"

        def element(n: int, field) -> str:
            return f"json_extract(r.value, '$[{n}]')"

    return source, [element(n, field) for n, field in enumerate(fields)]
