"""Who is expected at a gathering, and whether enough of them came (quorum).

The activity day expects its branch's active roster (its outcomes fix the list
at the close). Every other kind expects the list written when it was planned:
``default_list`` proposes it from the kind, the secretary may edit it, and the
rows stay as they were when people move later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from committees.models import Post
from members.models import Member

from ..models import Activity, Attendance, Attendee, CheckIn


def expected_members(activity: Activity) -> QuerySet[Member]:
    """The members an activity expects (guests attending without a vote included)."""
    if activity.is_theme_day:
        return Member.objects.active().filter(organization_id=activity.organization_id)
    return Member.objects.filter(pk__in=Attendee.objects.filter(activity_id=activity.pk).values("member_id"))


def is_expected(member: Member, activity: Activity) -> bool:
    if activity.is_theme_day:
        return member.organization_id == activity.organization_id and member.state == Member.State.ACTIVE
    return Attendee.objects.filter(activity_id=activity.pk, member_id=member.pk).exists()


def own_activities_filter(member: Member) -> Q:
    """The activities a member takes part in: their branch's activity days and the meetings that list them."""
    return Q(kind=Activity.Kind.THEME_DAY, organization_id=member.organization_id) | Q(
        pk__in=Attendee.objects.filter(member_id=member.pk).values("activity_id")
    )


def committee_members(branch_id: int, day: dt.date) -> QuerySet[Member]:
    """The members holding a committee post of the branch on ``day``."""
    posts = Post.objects.filter(organization_id=branch_id, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)
    )
    return Member.objects.filter(pk__in=posts.values("member_id"))


def default_list(kind: str, branch_id: int, day: dt.date, group_id: int | None = None) -> QuerySet[Member]:
    """Who a new meeting of ``kind`` expects by the rules, before the secretary edits the list."""
    active = Member.objects.active()
    if kind == Activity.Kind.COMMITTEE:
        return committee_members(branch_id, day).filter(state=Member.State.ACTIVE)
    if kind == Activity.Kind.GROUP:
        return active.filter(organization_id=branch_id, group_id=group_id)
    return active.filter(organization_id=branch_id)


@dataclass(frozen=True)
class Quorum:
    """A quorum rule met or not: ``needed`` of ``voting`` members with a vote, ``present`` of them there."""

    label: str
    voting: int
    present: int
    needed: int

    @property
    def met(self) -> bool:
        return self.present >= self.needed


def _more_than(share: Fraction, voting: int) -> int:
    """The smallest head count strictly above ``share`` of ``voting``."""
    return int(share * voting) + 1


def quorum(activity: Activity, present_ids: set[int] | None = None) -> Quorum | None:
    """The quorum the rules set for this meeting, or None where they set none.

    A 支部党员大会 needs more than half of its members with a vote; when it
    holds elections, more than four fifths. A 支委会 needs more than half of
    the committee. Probationary members have no vote and guests none either.
    """
    if activity.kind not in (Activity.Kind.GENERAL, Activity.Kind.COMMITTEE):
        return None
    voters = set(
        Attendee.objects.filter(activity_id=activity.pk, role=Attendee.Role.EXPECTED, votes=True).values_list(
            "member_id", flat=True
        )
    )
    if present_ids is None:
        present_ids = present_member_ids(activity)
    present = len(voters & present_ids)
    if activity.kind == Activity.Kind.GENERAL and activity.is_election:
        share, label = Fraction(4, 5), _("More than four fifths of the members with a vote (election)")
    elif activity.kind == Activity.Kind.GENERAL:
        share, label = Fraction(1, 2), _("More than half of the members with a vote")
    else:
        share, label = Fraction(1, 2), _("More than half of the committee")
    return Quorum(label=label, voting=len(voters), present=present, needed=_more_than(share, len(voters)))


def present_member_ids(activity: Activity) -> set[int]:
    """Who was there: attended by the outcomes once closed, else checked in on the day or entered by hand."""
    if activity.closed_at is not None:
        return set(
            Attendance.objects.filter(activity=activity, outcome=Attendance.Outcome.ATTENDED).values_list(
                "member_id", flat=True
            )
        )
    return set(
        CheckIn.objects.filter(activity=activity).exclude(kind=CheckIn.Kind.MAKE_UP).values_list("member_id", flat=True)
    )
