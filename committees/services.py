"""Recording the branch committee: posts, their ends, elections, and the role a new post proposes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from branches.dates import add_months
from branches.models import Organization, Role
from members.errors import RosterError
from members.models import Member
from members.roster.roles import assign_role

from .errors import CommitteeError
from .models import Post, Term


def term_years(branch: Organization) -> int:
    """The length of a new term for ``branch``, from its branch type (settings.COMMITTEE_TERM_YEARS)."""
    return settings.COMMITTEE_TERM_YEARS.get(branch.branch_type, settings.COMMITTEE_DEFAULT_TERM_YEARS)


def current_term(branch: Organization) -> Term | None:
    return Term.objects.filter(organization=branch).order_by("-elected_on", "-pk").first()


def _check_dates(started_on: dt.date, ended_on: dt.date | None) -> None:
    if ended_on is not None and ended_on < started_on:
        raise CommitteeError(
            _("The end date cannot be before the start date."), code="ends_before_start", field="ended_on"
        )


def _check_overlap(branch: Organization, member: Member, kind: str, started_on, ended_on, exclude: int | None) -> None:
    """One holder at a time for the single posts; nobody holds the same post twice over the same days."""
    overlapping = Post.objects.filter(organization=branch, kind=kind, started_on__lte=ended_on or dt.date.max).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=started_on)
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude)
    if kind in Post.SINGLE_KINDS and overlapping.exists():
        raise CommitteeError(
            _("Someone else holds the post of %(post)s over these dates: end that post first.")
            % {"post": Post.Kind(kind).label},
            code="post_taken",
            field="started_on",
        )
    if overlapping.filter(member=member).exists():
        raise CommitteeError(
            _("This member already holds this post over these dates."), code="duplicate", field="member"
        )


def _check_member(branch: Organization, member: Member) -> None:
    if member.organization_id != branch.pk or member.state != Member.State.ACTIVE:
        raise CommitteeError(_("Choose a member of this branch."), code="not_in_branch", field="member")


def add_post(
    branch: Organization, member: Member, kind: str, started_on: dt.date, ended_on: dt.date | None, by
) -> Post:
    """Record that ``member`` holds the post ``kind`` from ``started_on``; refused with a CommitteeError."""
    _check_member(branch, member)
    _check_dates(started_on, ended_on)
    try:
        with transaction.atomic():
            # Serializes posts of one branch, so two secretaries recording a 书记 at once cannot both pass the check.
            Organization.objects.select_for_update().filter(pk=branch.pk).first()
            _check_overlap(branch, member, kind, started_on, ended_on, exclude=None)
            return Post.objects.create(
                organization=branch, member=member, kind=kind, started_on=started_on, ended_on=ended_on, created_by=by
            )
    except IntegrityError:
        raise CommitteeError(
            _("Someone else holds the post of %(post)s over these dates: end that post first.")
            % {"post": Post.Kind(kind).label},
            code="post_taken",
            field="started_on",
        ) from None


def change_post(post: Post, started_on: dt.date, ended_on: dt.date | None) -> Post:
    """Correct the dates of a post (a typing mistake, or the day it ended)."""
    _check_dates(started_on, ended_on)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=post.organization_id).first()
        _check_overlap(post.organization, post.member, post.kind, started_on, ended_on, exclude=post.pk)
        post.started_on, post.ended_on = started_on, ended_on
        post.save(update_fields=["started_on", "ended_on"])
    return post


def end_post(post: Post, ended_on: dt.date) -> Post:
    if post.ended_on is not None:
        raise CommitteeError(_("This post has ended already."), code="ended")
    return change_post(post, post.started_on, ended_on)


def record_election(branch: Organization, elected_on: dt.date, note: str, by, today: dt.date) -> Term:
    """A new committee was elected: a term from ``elected_on`` for the years the branch type gives."""
    if elected_on > today:
        raise CommitteeError(_("The election date cannot be in the future."), code="future", field="elected_on")
    last = current_term(branch)
    if last is not None and elected_on <= last.elected_on:
        raise CommitteeError(
            _("The election must come after the last one, on %(day)s.") % {"day": last.elected_on.isoformat()},
            code="not_after_last",
            field="elected_on",
        )
    years = term_years(branch)
    try:
        with transaction.atomic():
            return Term.objects.create(
                organization=branch,
                elected_on=elected_on,
                years=years,
                ends_on=add_months(elected_on, 12 * years),
                note=note,
                created_by=by,
            )
    except IntegrityError:
        raise CommitteeError(_("An election on this day is recorded already."), code="duplicate") from None


def proposed_roles(posts: list[Post], today: dt.date) -> dict[int, str | None]:
    """Per post, the role kind its holder lacks on the branch (书记 → secretary, 副书记 → deputy), or None.

    One query for all the posts of a page.
    """
    wanted = [p for p in posts if p.kind in Post.ROLE_FOR and p.is_open_on(today) and p.member.user_id is not None]
    held = set(
        Role.objects.filter(
            user_id__in={p.member.user_id for p in wanted}, organization_id__in={p.organization_id for p in wanted}
        ).values_list("user_id", "organization_id", "kind")
        if wanted
        else ()
    )
    lacking = {
        p.pk: Post.ROLE_FOR[p.kind]
        for p in wanted
        if (p.member.user_id, p.organization_id, Post.ROLE_FOR[p.kind]) not in held
    }
    return {p.pk: lacking.get(p.pk) for p in posts}


def grant_proposed_role(post: Post, by, today: dt.date) -> Role:
    """Give the post's holder the role the post proposes; only on a press of the button, never by itself."""
    kind = proposed_roles([post], today)[post.pk]
    if kind is None:
        raise CommitteeError(_("There is no role to give for this post."), code="no_role")
    try:
        return assign_role(post.member.user, post.organization, kind, by)
    except RosterError as error:  # the roster's own refusal, in its words
        raise CommitteeError(error.message, code=error.code) from None
