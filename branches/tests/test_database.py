import pytest
from django.db import connection
from django.http import Http404

from branches.access import get_managed_organization
from branches.tests.factories import GroupFactory


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_secretary_fetches_their_own_subtree(secretary, branch_a):
    group = GroupFactory(parent=branch_a)
    assert get_managed_organization(secretary, group.pk) == group


def test_an_outsider_gets_404_for_another_branch(outsider, secretary, branch_a, branch_b):
    with pytest.raises(Http404):
        get_managed_organization(secretary, branch_b.pk)
    with pytest.raises(Http404):
        get_managed_organization(outsider.user, branch_a.pk)
    with pytest.raises(Http404):
        get_managed_organization(secretary, 999_999)
