"""The roster's side of permits: the 持活动证 filter and badge, and the permit number in the export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from itinerant.models import Permit
from itinerant.tests.permit_helpers import World, build_world, make_permit
from members.models import Member, MemberChange, RosterImport
from members.spreadsheets import MASKED_NOTE, ROSTER_HEADERS
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
PERMIT_HEADER = "流动党员活动证编号"


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def holders(world):
    make_permit(world.bob, number="DS2026-001")
    make_permit(world.carol, number="DS2025-009", returned_on=timezone.localdate())
    return world


def names(response) -> set[str]:
    return {m.name for m in response.context["page"].object_list}


def test_the_roster_filters_the_members_holding_a_permit(client, holders):
    client.force_login(holders.secretary)
    url = reverse("roster:list")
    assert names(client.get(url, {"badge_permit": "yes"})) == {"王建军"}
    # A returned permit is not held: carol is among those without one.
    assert names(client.get(url, {"badge_permit": "no"})) == {"李秀英"}
    assert names(client.get(url)) == {"王建军", "李秀英"}


def test_the_filter_is_offered_and_the_holder_marked(client, holders):
    client.force_login(holders.secretary)
    response = client.get(reverse("roster:list"))
    form = response.context["form"]
    assert form.fields["badge_permit"].label == _("Holds a permit")
    bob = next(m for m in response.context["page"].object_list if m.name == "王建军")
    carol = next(m for m in response.context["page"].object_list if m.name == "李秀英")
    assert _("Holds a permit") in [str(label) for label in bob.badges]
    assert _("Holds a permit") not in [str(label) for label in carol.badges]


def test_the_filtered_roster_costs_the_same_queries_for_2_and_20_holders(client, holders):
    client.force_login(holders.secretary)
    counts = []
    for size in (2, 20):
        while Permit.objects.filter(returned_on=None).count() < size:
            make_permit(MemberFactory(organization=holders.branch))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("roster:list"), {"badge_permit": "yes"})
        assert len(names(response)) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- The export ---------------------------------------------------------------------------------


def sheet(client, **params) -> list[tuple]:
    response = client.get(reverse("roster_import:export"), params)
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def by_name(rows: list[tuple]) -> dict[str, tuple]:
    return {row[0]: row for row in rows[1:]}


def test_the_full_export_carries_the_held_permits_number_after_the_imports_columns(client, holders):
    client.force_login(holders.secretary)
    rows = sheet(client, full="1")
    assert list(rows[0]) == [*ROSTER_HEADERS, PERMIT_HEADER]
    assert by_name(rows)["王建军"][-1] == "DS2026-001"
    assert by_name(rows)["李秀英"][-1] is None


def test_the_masked_export_carries_it_after_its_note(client, holders):
    client.force_login(holders.secretary)
    rows = sheet(client)
    assert list(rows[0]) == [*ROSTER_HEADERS, MASKED_NOTE, PERMIT_HEADER]
    bob = by_name(rows)["王建军"]
    assert bob[len(ROSTER_HEADERS)] is None and bob[-1] == "DS2026-001"


def test_the_export_takes_the_permit_filter(client, holders):
    client.force_login(holders.secretary)
    assert set(by_name(sheet(client, badge_permit="yes"))) == {"王建军"}
    assert set(by_name(sheet(client, badge_permit="no", full="1"))) == {"李秀英"}


def test_the_full_export_with_permit_numbers_imports_back_changing_nothing(client, holders):
    client.force_login(holders.secretary)
    before = list(Member.objects.order_by("pk").values())
    permits_before = list(Permit.objects.order_by("pk").values())
    exported = client.get(reverse("roster_import:export"), {"full": "1"}).content
    assert PERMIT_HEADER in sheet(client, full="1")[0]
    response = client.post(
        reverse("roster_import:upload"),
        {"organization": holders.branch.pk, "file": SimpleUploadedFile("roster.xlsx", exported)},
    )
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    assert roster_import.errors == []
    assert roster_import.summary["unchanged"] == 2
    assert roster_import.summary["create"] == roster_import.summary["update"] == 0
    client.post(reverse("roster_import:confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert list(Member.objects.order_by("pk").values()) == before
    assert list(Permit.objects.order_by("pk").values()) == permits_before
    assert not MemberChange.objects.filter(action=MemberChange.Action.IMPORTED).exists()
