"""Set-based writes and counts that never pass rows through Python."""

from __future__ import annotations

from django.db import connection, models
from django.db.models import F, Func, IntegerField, QuerySet, Subquery


def insert_from_select(model: type[models.Model], fields: list[str], select: models.QuerySet) -> int:
    """``INSERT INTO model (fields) SELECT …``, skipping rows that hit a unique key.

    ``select`` is a ``values_list`` queryset yielding the columns in ``fields``
    order. For fan-out to thousands of members, building and preparing one
    model instance per row costs more than the database's own work; this is
    ``bulk_create(ignore_conflicts=True)`` without that cost. Returns the
    number of rows inserted.
    """
    sql, params = select.query.sql_with_params()
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql} ON CONFLICT DO NOTHING", params)
        return cursor.rowcount


def count_subquery(queryset: QuerySet) -> Subquery:
    """The rows of a correlated queryset counted as one column of the outer query.

    COUNT(*) as a plain function, so the subquery has no GROUP BY and a
    row with nothing to count gets 0 rather than no row at all.
    """
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    return Subquery(counted.values("n"), output_field=IntegerField())
