"""Small helpers the roster tests share."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape


def client_for(client, user):
    client.force_login(user)
    return client


def zh(msgid: str, **params) -> str:
    """The message as the Chinese page shows it."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return escape(text % params if params else text)


def count_queries(c, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert c.get(url, params or {}).status_code == 200
    return len(queries)
