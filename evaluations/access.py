"""Fetch-with-check for the evaluation: who reviews a round, whose result is whose, who sees what.

Reviewing (opening rounds, scoring, answering objections, editing schemes,
the branch chart) is ``Capability.REVIEW_EVALUATIONS`` over the round's or
the scheme's organization. Outside that scope a round, result, scheme,
section, item, objection or evidence file does not exist (404), whether or
not the number is real.

A member's own result is theirs to read for good, also after a transfer
out; writing their self-assessment or an objection needs an active roster
entry. A branch's own result belongs to those who review the branch.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.access import Capability, can, scope_of
from branches.models import Organization
from members.access import own_member
from members.models import Member

from .models import Assessment, Evaluation, Evidence, Item, Objection, Rating, Scheme, Section

REVIEW = Capability.REVIEW_EVALUATIONS
PUBLISHED = (Evaluation.Stage.PUBLICITY, Evaluation.Stage.FINAL)

_ASSESSMENT_RELATED = ("evaluation__scheme", "evaluation__organization", "member", "branch")


# --- Predicates -----------------------------------------------------------------------------


def can_review(user, evaluation: Evaluation) -> bool:
    """Reviewers are whoever may review the round's organization (its secretaries, the committee above)."""
    return can(user, REVIEW, evaluation.organization)


def _is_own(user, assessment: Assessment, *, include_former: bool) -> bool:
    if assessment.member_id:
        member = assessment.member
        return (
            member.user_id is not None
            and member.user_id == user.pk
            and (include_former or member.state == Member.State.ACTIVE)
        )
    return can(user, REVIEW, assessment.branch)


def can_self_assess(user, assessment: Assessment) -> bool:
    """The member assessed, while their entry is active; for a branch's result, its reviewers."""
    return _is_own(user, assessment, include_former=False)


def can_read_own(user, assessment: Assessment) -> bool:
    """A member's own result stays readable after they leave the branch."""
    return _is_own(user, assessment, include_former=True)


def is_published(evaluation: Evaluation) -> bool:
    return evaluation.stage in PUBLISHED


def can_see_publicity(member: Member | None, evaluation: Evaluation) -> bool:
    """The publicity list is for the active members under the round's organization, once published."""
    return (
        member is not None
        and member.state == Member.State.ACTIVE
        and is_published(evaluation)
        and member.organization.is_within(evaluation.organization)
    )


def is_listed(assessment: Assessment) -> bool:
    """Does the publicity page name this result? Branches always; members unless simply "qualified"."""
    return assessment.branch_id is not None or assessment.rating != Rating.QUALIFIED


# --- Lists ----------------------------------------------------------------------------------


def managed_evaluations(user) -> QuerySet[Evaluation]:
    """Every round the user reviews."""
    condition = scope_of(user).covers(REVIEW, "organization__path")
    evaluations = Evaluation.objects.select_related("scheme", "organization")
    return evaluations if condition is None else evaluations.filter(condition)


def managed_organizations(user) -> QuerySet[Organization]:
    """Organizations whose rounds and schemes the user runs."""
    return scope_of(user).organizations(REVIEW)


def managed_schemes(user) -> QuerySet[Scheme]:
    """Schemes of the organizations the user reviews: the ones they may edit."""
    condition = scope_of(user).covers(REVIEW, "organization__path")
    schemes = Scheme.objects.select_related("organization")
    return schemes if condition is None else schemes.filter(condition)


def usable_schemes(user) -> QuerySet[Scheme]:
    """Schemes the user may copy or run a round with: their organizations' and those of the organizations above."""
    scope = scope_of(user)
    schemes = Scheme.objects.select_related("organization")
    condition = scope.covers(REVIEW, "organization__path")
    if condition is None:
        return schemes
    paths = scope.paths(REVIEW)
    roots = Organization.objects.filter(path__in=paths).only("pk", "path") if paths else []
    above = {pk for root in roots for pk in root.ancestor_ids()}
    if above:
        condition |= Q(organization_id__in=above)
    return schemes.filter(condition)


def own_branch_ids(user) -> list[int]:
    """Organizations on which the user's own role lets them review: a branch's result is its secretaries' own."""
    return sorted({grant.organization_id for grant in scope_of(user).grants if grant.grants(REVIEW)})


# --- Reviewers' objects ---------------------------------------------------------------------


def get_managed_evaluation(user, pk: int) -> Evaluation:
    evaluation = Evaluation.objects.select_related("scheme", "organization").filter(pk=pk).first()
    if evaluation is None or not can_review(user, evaluation):
        raise Http404("No such evaluation")
    return evaluation


def _assessment(pk: int) -> Assessment | None:
    return Assessment.objects.select_related(*_ASSESSMENT_RELATED).filter(pk=pk).first()


def get_managed_assessment(user, pk: int) -> Assessment:
    assessment = _assessment(pk)
    if assessment is None or not can_review(user, assessment.evaluation):
        raise Http404("No such assessment")
    return assessment


def get_managed_objection(user, pk: int) -> Objection:
    objection = (
        Objection.objects.select_related(
            "assessment__evaluation__scheme", "assessment__evaluation__organization", "assessment__member"
        )
        .filter(pk=pk)
        .first()
    )
    if objection is None or not can_review(user, objection.assessment.evaluation):
        raise Http404("No such objection")
    return objection


def get_round_item(evaluation: Evaluation, pk: int) -> Item:
    """An item of the round's scheme; the round was fetched with its check."""
    item = Item.objects.select_related("section").filter(pk=pk, section__scheme_id=evaluation.scheme_id).first()
    if item is None:
        raise Http404("No such item")
    return item


def get_assessment_item(assessment: Assessment, pk: int) -> Item:
    """An item of a section that applies to the result (common to all, or of its branch type)."""
    item = (
        Item.objects.select_related("section")
        .filter(pk=pk, section__scheme_id=assessment.evaluation.scheme_id)
        .filter(Q(section__branch_type="") | Q(section__branch_type=assessment.branch_type))
        .first()
    )
    if item is None:
        raise Http404("No such item")
    return item


def get_managed_scheme(user, pk: int) -> Scheme:
    scheme = Scheme.objects.select_related("organization").filter(pk=pk).first()
    if scheme is None or not can(user, REVIEW, scheme.organization):
        raise Http404("No such scheme")
    return scheme


def get_managed_section(user, pk: int) -> Section:
    section = Section.objects.select_related("scheme__organization").filter(pk=pk).first()
    if section is None or not can(user, REVIEW, section.scheme.organization):
        raise Http404("No such section")
    return section


def get_managed_item(user, pk: int) -> Item:
    item = Item.objects.select_related("section__scheme__organization").filter(pk=pk).first()
    if item is None or not can(user, REVIEW, item.section.scheme.organization):
        raise Http404("No such item")
    return item


# --- A member's objects ---------------------------------------------------------------------


def get_own_assessment(user, pk: int) -> Assessment:
    """A member's own result (or, for a branch round, their branch's): anyone else gets 404."""
    assessment = _assessment(pk)
    if assessment is None or not can_read_own(user, assessment):
        raise Http404("No such assessment")
    return assessment


def get_objection_target(user, pk: int) -> tuple[Assessment, Member, bool]:
    """A result an active member may object to: their own, or one the publicity page names; else 404.

    Returns the result, the member and whether the result is their own.
    """
    member = own_member(user)
    assessment = _assessment(pk)
    if member is None or assessment is None or not can_see_publicity(member, assessment.evaluation):
        raise Http404("No such assessment")
    own = can_self_assess(user, assessment)
    if not own and not is_listed(assessment):
        raise Http404("No such assessment")
    return assessment, member, own


def get_publicized_evaluation(user, pk: int) -> Evaluation:
    """A published round, for the active members under its organization."""
    evaluation = Evaluation.objects.select_related("scheme", "organization").filter(pk=pk).first()
    if evaluation is None or not can_see_publicity(own_member(user), evaluation):
        raise Http404("No such evaluation")
    return evaluation


def get_evidence(user, pk: int) -> Evidence:
    """A reviewer's evidence file: for the reviewers, and for the person assessed once it is published."""
    evidence = (
        Evidence.objects.select_related(*(f"score__assessment__{name}" for name in _ASSESSMENT_RELATED))
        .filter(pk=pk)
        .first()
    )
    if evidence is None:
        raise Http404("No such file")
    assessment = evidence.score.assessment
    evaluation = assessment.evaluation
    if not (can_review(user, evaluation) or (is_published(evaluation) and can_read_own(user, assessment))):
        raise Http404("No such file")
    return evidence
