"""Querysets run on every page, compiled to SQL once per process instead of once per request.

The person's own roster entry (with the navigation's unread count and
whether they hold a role) is read on every member page. Building that
queryset and compiling its subqueries took ten times as long as the database
took to answer it (about 5 ms against 0.5 ms of CPU, ``bench/web_pages.py``).
A ``PreparedQuery`` builds and compiles it once, with a placeholder id, and
then only swaps the id in the parameters before each run; the rows go
through Django's own iterables, so instances, ``select_related`` objects,
annotations and ``values()`` rows are exactly what the queryset gives.

What may be prepared: a queryset whose SQL depends on nothing but the one
id and the ``key`` it is stored under. Anything else it reads (today's date,
the active language, a setting) must be part of the key, or the first
request's value is kept for the life of the process.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

# A placeholder for the id: inside every integer column's range (lookups on
# a value out of range compile to nothing), and no table comes near it.
PLACEHOLDER = 2_013_265_921
# Keys stay few (one per kind of page); more would mean a key that varies too much.
MAX_STATEMENTS = 64


@dataclass
class _Statement:
    connection: object
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    params: tuple
    positions: tuple[int, ...]


class _Unpreparable(Exception):
    """The queryset's SQL cannot take the id as a parameter: it runs the ordinary way."""


# Django's connections are per thread, and a compiler holds its thread's.
_local = threading.local()


def _statements() -> dict:
    statements = getattr(_local, "statements", None)
    if statements is None:
        statements = _local.statements = {}
    return statements


def forget_prepared(**kwargs) -> None:
    """Drop this thread's compiled statements (a test that changes the database settings)."""
    _local.statements = {}


setting_changed.connect(forget_prepared, dispatch_uid="branches.prepared.forget")


class PreparedQuery:
    """``build(id, key, **kwargs)`` returns the queryset; ``run(id, key, **kwargs)`` gives its rows as a list.

    ``key`` is everything else the SQL depends on (see the module's note):
    each key is built and compiled once per process and database connection.
    ``kwargs`` reach ``build`` without being part of the key, so what they
    build must follow from the key (a builder function of that key's page).
    """

    def __init__(self, name: str, build: Callable[..., QuerySet], using: str = DEFAULT_DB_ALIAS) -> None:
        self.name = name
        self.build = build
        self.using = using

    def run(self, value: int, key: Hashable = None, **kwargs) -> list:
        statement = self._statement(key, kwargs)
        if statement is None:  # the ordinary way: built and compiled now
            return list(self.build(value, key, **kwargs))
        params = list(statement.params)
        for position in statement.positions:
            params[position] = value
        compiler = copy.copy(statement.compiler)
        sql = statement.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        return list(_with_compiler(statement.queryset, compiler))

    def _statement(self, key: Hashable, kwargs: dict) -> _Statement | None:
        statements = _statements()
        connection = connections[self.using]
        cache_key = (self.name, self.using, key)
        statement = statements.get(cache_key, _MISSING)
        if statement is None:  # known not to take the id as a parameter
            return None
        if statement is not _MISSING and statement.connection is connection:
            return statement
        try:
            statement = _compile(self.build(PLACEHOLDER, key, **kwargs).using(self.using), connection)
        except _Unpreparable:
            statement = None
        if len(statements) >= MAX_STATEMENTS:
            statements.clear()
        statements[cache_key] = statement
        return statement


_MISSING = object()


def _compile(queryset: QuerySet, connection) -> _Statement:
    if queryset._prefetch_related_lookups or queryset._result_cache is not None:
        raise _Unpreparable
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet) as error:
        raise _Unpreparable from error
    positions = tuple(i for i, param in enumerate(params) if type(param) is int and param == PLACEHOLDER)
    # The id inlined into the text (a LIMIT, a literal) could not be swapped.
    if not positions or str(PLACEHOLDER) in sql:
        raise _Unpreparable
    return _Statement(connection, queryset, compiler, sql, tuple(params), positions)


class _CompiledQuery:
    """The queryset's ``Query`` for one run, handing out the prepared compiler."""

    def __init__(self, query, compiler: SQLCompiler) -> None:
        self._query = query
        self._compiler = compiler

    def get_compiler(self, *args, **kwargs) -> SQLCompiler:
        return self._compiler

    def __getattr__(self, name: str):
        return getattr(self._query, name)


def _with_compiler(template: QuerySet, compiler: SQLCompiler) -> QuerySet:
    # A shallow copy by hand: copy.copy would pickle the queryset, which runs it.
    queryset = object.__new__(type(template))
    queryset.__dict__.update(template.__dict__)
    queryset._query = _CompiledQuery(template.query, compiler)
    queryset._result_cache = None
    queryset._prefetch_done = False
    return queryset
