"""The people and the objects of the permission matrix: two branches under one committee.

Branch A holds one of everything a URL can name, each owned by bob (a member
of A, in group G) where it has an owner. The people are the matrix's
personas; who may do what where is written down again in
``test_permission_matrix.GRANTS``, independently of the code under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from activities.meetings.calendar import issue_feed
from activities.models import Activity, Attendee, Leave, MaterialDelivery, MeetingFile, Report, StudyMaterial
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from committees.models import Post
from dues import services as dues_services
from dues.models import Category, Publication
from evaluations.models import Assessment, Evaluation, Evidence, Item, ItemScore, Objection, Rating
from evaluations.tests.conftest import build_member_scheme
from itinerant.models import LifeWarning, MoveReport, Permit, Transfer, TransferProposal
from members.models import Member, RosterImport, SignupRequest
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory
from notifications.models import Greeting, MessageTemplate, Notification

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

# Where an object lives, for the group leader's sake: inside group G, or elsewhere in branch A.
IN_GROUP = "group_a"
IN_BRANCH = "branch_a"
# A meeting record of branch A as its reviewer sees it: only from above the branch.
ABOVE_BRANCH = "above_branch_a"


@dataclass(frozen=True)
class Target:
    """What fills a URL's path, and where the object lives in the tree."""

    kwargs: dict
    scope: str


@dataclass
class World:
    personas: dict = field(default_factory=dict)  # persona name -> User (None for anonymous)
    members: dict = field(default_factory=dict)  # bob, carol, dave, former, charlie -> Member
    targets: dict = field(default_factory=dict)  # object name -> Target


def _logged_in_member(branch, name: str, **extra) -> Member:
    user = UserFactory(name=name)
    return MemberFactory(name=name, organization=branch, user=user, phone=user.phone, **extra)


def build_world() -> World:
    world = World()
    now = timezone.now()

    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="matrix-committee", code="matrix-c")
    branch_a = OrganizationFactory(name="matrix-branch-a", code="matrix-a", parent=committee, is_online=True)
    branch_b = OrganizationFactory(name="matrix-branch-b", code="matrix-b", parent=committee)
    group = GroupFactory(name="matrix-group-g", code="matrix-g", parent=branch_a)

    bob = _logged_in_member(branch_a, "matrix-bob", group=group)
    # carol is in bob's group and in hardship: the group leader must not be able to tell.
    carol = MemberFactory(name="matrix-carol", organization=branch_a, group=group, in_hardship=True)
    carol.hardship_note = "matrix-hardship-note"
    carol.save(update_fields=["hardship_note"])
    dave = _logged_in_member(branch_a, "matrix-dave")  # in branch A, outside group G
    former = _logged_in_member(
        branch_a,
        "matrix-former",
        state=Member.State.TRANSFERRED_OUT,
        transferred_out_on=timezone.localdate() - dt.timedelta(days=30),
    )
    charlie = _logged_in_member(branch_b, "matrix-charlie")
    world.members = {"bob": bob, "carol": carol, "dave": dave, "former": former, "charlie": charlie}

    def holder(name: str, organization: Organization, kind: str):
        user = UserFactory(name=name)
        RoleFactory(user=user, organization=organization, kind=kind)
        return user

    world.personas = {
        "anonymous": None,
        "member_a": bob.user,
        "member_b": charlie.user,
        "secretary_a": holder("matrix-alice", branch_a, Role.Kind.SECRETARY),
        "secretary_b": holder("matrix-bea", branch_b, Role.Kind.SECRETARY),
        "group_leader": holder("matrix-gil", group, Role.Kind.GROUP_ADMIN),
        "committee_secretary": holder("matrix-dora", committee, Role.Kind.SECRETARY),
        "former_a": former.user,
    }
    superuser = UserFactory(name="matrix-root", is_staff=True, is_superuser=True)

    # --- activities ------------------------------------------------------------------------
    activity = ActivityFactory(organization=branch_a)
    leave = Leave.objects.create(member=bob, activity=activity, reason="matrix leave")
    material = StudyMaterial.objects.create(
        title="matrix material", kind=StudyMaterial.Kind.PDF, file=ContentFile(PDF, name="matrix.pdf")
    )
    material.organizations.add(branch_a)
    delivery = MaterialDelivery.objects.create(member=bob, material=material, delivered_at=now)
    report = Report.objects.create(
        member=bob, title="matrix report", body="text", attachment=ContentFile(PDF, name="matrix-report.pdf")
    )
    former_report = Report.objects.create(member=former, title="matrix old report", body="text")

    # A committee meeting of branch A with its record's photo (and a second file, for the removal).
    meeting = ActivityFactory(organization=branch_a, kind=Activity.Kind.COMMITTEE, date=now.date())
    Attendee.objects.create(activity=meeting, member=bob)
    meeting_file = MeetingFile.objects.create(
        activity=meeting, name="matrix.jpg", is_photo=True, file=ContentFile(JPEG, name="matrix-meeting.jpg")
    )
    spare_file = MeetingFile.objects.create(
        activity=meeting, name="matrix.pdf", file=ContentFile(PDF, name="matrix-meeting.pdf")
    )

    # --- members ---------------------------------------------------------------------------
    invitation = InvitationFactory(organization=branch_a)
    applicant = UserFactory(name="matrix-applicant")
    signup = SignupRequest.objects.create(
        user=applicant, invitation=invitation, organization=branch_a, name="matrix-applicant"
    )
    removable_role = RoleFactory(user=UserFactory(name="matrix-erin"), organization=branch_a, kind=Role.Kind.ORGANIZER)
    # Errors in its summary: a confirm is refused, so a POST to it imports nothing.
    roster_import = RosterImport.objects.create(
        organization=branch_a,
        created_by=world.personas["secretary_a"],
        file=ContentFile("姓名\n".encode(), name="matrix.csv"),
        filename="matrix.csv",
        summary={"create": 0, "update": 0, "unchanged": 0, "errors": 1, "rows": []},
    )

    # --- notifications ---------------------------------------------------------------------
    notification = Notification.objects.create(member=bob, kind="matrix", key="matrix:bob", title="matrix notice")
    MessageTemplate.objects.create(
        organization=branch_a, kind="reminder", language="zh-hans", title="matrix reminder", body="{body}"
    )
    greeting = Greeting.objects.create(
        member=bob,
        year=now.year,
        anniversary=bob.joined_party_on.replace(year=now.year),
        party_age=bob.party_age(),
        card=ContentFile(JPEG, name="matrix-card.jpg"),
    )

    # --- evaluations: a round over branch A, published and open to objections -----------------
    scheme = build_member_scheme(branch_a, year=now.year)
    section = scheme.sections.order_by("position").first()
    item = Item.objects.filter(section=section, method=Item.MANUAL).first()
    evaluation = Evaluation.objects.create(
        scheme=scheme,
        organization=branch_a,
        year=now.year,
        stage=Evaluation.Stage.PUBLICITY,
        publicity_starts_at=now - dt.timedelta(days=1),
        publicity_ends_at=now + dt.timedelta(days=5),
        created_by=world.personas["secretary_a"],
    )
    assessment = Assessment.objects.create(
        evaluation=evaluation, member=bob, total=Decimal("95"), rating=Rating.EXCELLENT
    )
    former_assessment = Assessment.objects.create(
        evaluation=evaluation, member=former, total=Decimal("95"), rating=Rating.EXCELLENT
    )
    score = ItemScore.objects.create(assessment=assessment, item=item, points=Decimal("10"), scored_at=now)
    evidence = Evidence.objects.create(
        score=score, file=ContentFile(PDF, name="matrix-evidence.pdf"), name="matrix-evidence.pdf"
    )
    objection = Objection.objects.create(assessment=assessment, raised_by=bob, text="matrix objection", raised_at=now)

    # Dues: bob's ledger with a declared basis and a reported payment waiting for the secretary.
    month = timezone.localdate().replace(day=1)
    dues_services.set_basis(bob, category=Category.SALARY, income_fen=400000, applies_from=month)
    declared = dues_services.declare_basis(bob, category=Category.SALARY, income_fen=450000, applies_from=month)
    dues_payment = dues_services.report_payment(
        bob, first_month=month, last_month=month, amount_fen=4000, paid_on=timezone.localdate()
    )
    dues_payment.receipt = ContentFile(JPEG, name="matrix-receipt.jpg")
    dues_payment.save(update_fields=["receipt"])
    publication = Publication.objects.create(organization=branch_a, year=month.year, half=1, published_at=now)

    # Itinerant flows: bob reports a move and holds a permit; dave's relationship is being sent elsewhere.
    move_report = MoveReport.objects.create(
        member=bob, kind=MoveReport.Kind.LOCATION, city="matrix-city", submitted_at=now
    )
    permit = Permit.objects.create(
        member=bob,
        number="matrix-permit-1",
        issued_by="matrix-committee",
        issued_on=now.date(),
        reason="务工",
        entered_at=now,
    )
    transfer = Transfer.objects.create(
        member=dave, from_organization=branch_a, to_name="matrix-outside", requested_at=now
    )
    # charlie's letter from branch B to branch A is issued: A's secretaries see it from the receiving side.
    incoming_transfer = Transfer.objects.create(
        member=charlie,
        from_organization=branch_b,
        to_organization=branch_a,
        state=Transfer.State.ISSUED,
        letter_number="matrix-letter-1",
        issued_on=now.date(),
        valid_until=now.date() + dt.timedelta(days=90),
        requested_at=now,
    )
    life_warning = LifeWarning.objects.create(
        member=bob, level=LifeWarning.Level.TALK, since=now.date() - dt.timedelta(days=100), raised_on=now.date()
    )
    transfer_proposal = TransferProposal.objects.create(
        member=bob, away_since=now.date() - dt.timedelta(days=200), place="matrix-city", raised_on=now.date()
    )

    committee_post = Post.objects.create(
        organization=branch_a, member=bob, kind=Post.Kind.DEPUTY, started_on=now.date() - dt.timedelta(days=30)
    )
    # bob's calendar subscription: read without a login, its token is its only key.
    calendar_token = issue_feed(bob)
    world.personas["superuser"] = superuser
    world.targets = {
        "activity": Target({"pk": activity.pk}, IN_BRANCH),
        "meeting": Target({"pk": meeting.pk}, IN_BRANCH),
        "meeting_review": Target({"pk": meeting.pk}, ABOVE_BRANCH),
        "meeting_file": Target({"pk": meeting_file.pk}, IN_BRANCH),
        "meeting_spare_file": Target({"pk": spare_file.pk}, IN_BRANCH),
        "calendar_feed": Target({"token": calendar_token}, IN_BRANCH),
        "branch_a": Target({"pk": branch_a.pk}, IN_BRANCH),
        "group_a": Target({"pk": group.pk}, IN_GROUP),
        # Leave on the activity day is decided on the branch's activity, so it is in the branch's scope.
        "leave": Target({"pk": leave.pk}, IN_BRANCH),
        "delivery": Target({"pk": delivery.pk}, IN_GROUP),
        "report": Target({"pk": report.pk}, IN_GROUP),
        "former_report": Target({"pk": former_report.pk}, IN_BRANCH),
        "member": Target({"pk": bob.pk}, IN_GROUP),
        "member_outside_group": Target({"pk": dave.pk}, IN_BRANCH),
        "greeting_member": Target({"member_pk": bob.pk}, IN_GROUP),
        "greeting_member_outside_group": Target({"member_pk": dave.pk}, IN_BRANCH),
        "role": Target({"pk": removable_role.pk}, IN_BRANCH),
        "signup": Target({"pk": signup.pk}, IN_BRANCH),
        "invitation": Target({"pk": invitation.pk}, IN_BRANCH),
        "roster_import": Target({"pk": roster_import.pk}, IN_BRANCH),
        "notification": Target({"pk": notification.pk}, IN_GROUP),
        "greeting": Target({"pk": greeting.pk}, IN_GROUP),
        "template": Target({"pk": branch_a.pk, "kind": "reminder", "language": "zh-hans"}, IN_BRANCH),
        # A round over the branch: its results are the branch's, whoever's they are.
        "evaluation": Target({"pk": evaluation.pk}, IN_BRANCH),
        "evaluation_item": Target({"pk": evaluation.pk, "item_pk": item.pk}, IN_BRANCH),
        "assessment": Target({"pk": assessment.pk}, IN_BRANCH),
        "former_assessment": Target({"pk": former_assessment.pk}, IN_BRANCH),
        "assessment_item": Target({"pk": assessment.pk, "item_pk": item.pk}, IN_BRANCH),
        "objection": Target({"pk": objection.pk}, IN_BRANCH),
        "evidence": Target({"pk": evidence.pk}, IN_BRANCH),
        "scheme": Target({"pk": scheme.pk}, IN_BRANCH),
        "section": Target({"pk": section.pk}, IN_BRANCH),
        "item": Target({"pk": item.pk}, IN_BRANCH),
        # Dues are kept by the branch: a group leader has no dues capability anyway.
        "dues_member": Target({"pk": bob.pk}, IN_BRANCH),
        "dues_basis": Target({"pk": declared.pk}, IN_BRANCH),
        "dues_payment": Target({"pk": dues_payment.pk}, IN_BRANCH),
        "dues_publication": Target({"pk": publication.pk}, IN_BRANCH),
        # Itinerant flows are the branch's: a group leader has no transfer capability.
        "move_report": Target({"pk": move_report.pk}, IN_BRANCH),
        "permit": Target({"pk": permit.pk}, IN_BRANCH),
        "transfer": Target({"pk": transfer.pk}, IN_BRANCH),
        "incoming_transfer": Target({"pk": incoming_transfer.pk}, IN_BRANCH),
        "life_warning": Target({"pk": life_warning.pk}, IN_BRANCH),
        # bob, as the one whose permits are kept: by the branch, not by his group's leader.
        "permit_member": Target({"pk": bob.pk}, IN_BRANCH),
        "transfer_proposal": Target({"pk": transfer_proposal.pk}, IN_BRANCH),
        # The committee is the branch's: a group leader gives no roles.
        "committee_post": Target({"pk": committee_post.pk}, IN_BRANCH),
    }
    return world
