"""A member's side of the annual evaluation: my results, my self-assessment, publicity and objections.

Scores stay private: a member sees only their own result (or, for a
secretary, their branch's), and only once it is published. The publicity
page names people by rating, never by score or rank.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from branches.errors import add_to_form, show_error
from branches.files import private_file_response
from branches.uploads import content_type_of
from members.access import own_member

from . import access, services
from .member_forms import ObjectionForm, SelfAssessmentForm
from .models import ZERO, Assessment, Evaluation, Item, Objection, Rating, Section, Subject
from .scoring import section_points

# --- My results ---------------------------------------------------------------------------


@login_required
@require_safe
def mine(request):
    # One's own results stay readable after a transfer out; the branch's rounds are for its members.
    member = own_member(request.user, include_former=True)
    results = Assessment.objects.select_related("evaluation__scheme", "evaluation__organization").order_by(
        "-evaluation__year", "-evaluation__created_at", "-pk"
    )
    mine = list(results.filter(member=member)) if member else []
    # A branch's own result is filled in by its secretaries.
    branches = list(results.filter(branch_id__in=access.own_branch_ids(request.user)).select_related("branch"))
    rounds = []
    if member is not None and member.state == member.State.ACTIVE:
        branch = member.organization
        rounds = list(
            Evaluation.objects.filter(
                stage__in=access.PUBLISHED, organization_id__in=[*branch.ancestor_ids(), branch.pk]
            )
            .select_related("scheme", "organization")
            .order_by("-year", "-publicity_starts_at", "-pk")[:10]
        )
    return render(
        request,
        "evaluations/member/mine.html",
        {"member": member, "results": mine, "branch_results": branches, "rounds": rounds},
    )


# --- One result, item by item, and the self-assessment ------------------------------------


def _sections(assessment: Assessment, published: bool) -> tuple[list[dict], list[dict]]:
    """The sections that apply to this result, each item with its score and the section's points
    so far; and the situations found."""
    earned = section_points(assessment) if published else {}
    blocks, found = [], []
    for section, rows in services.score_sheet(assessment):
        for row in rows:
            row["claimable"] = _claimable(section, row["item"])
            score = row["score"]
            if published and section.is_list and score is not None and score.found:
                found.append({"section": section, "item": row["item"], "reason": score.note})
        points = earned.get(section.pk) if published else _points_so_far(section, rows)
        blocks.append({"section": section, "rows": rows, "earned": earned.get(section.pk), "points": points})
    return blocks, found


def _claimable(section: Section, item: Item) -> bool:
    """Items a member may put their own points against: scored by hand, with points, not a list situation."""
    return not item.is_automatic and item.points > 0 and not section.is_list


def _points_so_far(section: Section, rows: list[dict]) -> Decimal | None:
    """Before publication: the automatic points and the member's own claims, within the section's cap.

    The reviewer's points stay out of it until the results are published.
    """
    if section.is_list:
        return None
    claimed = ZERO
    for row in rows:
        score = row["score"]
        if score is None:
            continue
        value = score.points if row["item"].is_automatic else score.self_points if row["claimable"] else None
        claimed += value or ZERO
    if section.kind == Section.Kind.DEDUCTION:
        return section.cap - min(claimed, section.cap)
    return min(claimed, section.cap)


def _section_url(assessment: Assessment, block: dict | None) -> str:
    url = reverse("evaluations:assessment", args=[assessment.pk])
    return f"{url}?section={block['section'].pk}" if block else url


def _current_section(blocks: list[dict], raw: str | None) -> dict | None:
    """The section asked for by ``?section=``; the first one when none is asked for, or None if unknown."""
    if not raw:
        return blocks[0] if blocks else None
    return next((block for block in blocks if str(block["section"].pk) == raw), None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessment(request, pk: int):
    assessment = access.get_own_assessment(request.user, pk)
    evaluation = assessment.evaluation
    published = access.is_published(evaluation)
    blocks, found = _sections(assessment, published)
    # One section at a time: the whole sheet of a full scheme is many phone screens long.
    current = _current_section(blocks, request.GET.get("section"))
    if current is None and blocks:
        if request.method == "POST":
            show_error(
                request,
                services.EvaluationError(_("That section is not part of this assessment."), "unknown_section"),
            )
            return redirect("evaluations:assessment", pk=assessment.pk)
        current = blocks[0]
    rows = current["rows"] if current else []
    scores = {row["item"].pk: row["score"] for row in rows if row["score"]}
    claimable = [row["item"] for row in rows if row["claimable"]]
    deduction = current is not None and current["section"].kind == Section.Kind.DEDUCTION
    deducting = {row["item"].pk for row in rows} if deduction else set()
    form_action = _section_url(assessment, current)
    form = None
    status = 200
    if request.method == "POST":
        try:
            services.check_self_assessment_open(evaluation)
        except services.EvaluationError as error:
            show_error(request, error)
            return redirect(form_action)
        form = SelfAssessmentForm(claimable, request.POST, deducting=deducting)
        if form.is_valid():
            try:
                # Only this section's items are in the form: the other sections keep what was saved for them.
                services.submit_self_assessment(assessment, request.user, form.cleaned_data["summary"], form.claims())
            except services.EvaluationError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Your self-assessment is saved. You may change it until review starts."))
                return redirect(form_action)
        status = 400
    elif evaluation.stage == Evaluation.Stage.SELF_ASSESSMENT and access.can_self_assess(request.user, assessment):
        form = SelfAssessmentForm(
            claimable, initial={"summary": assessment.self_summary}, scores=scores, deducting=deducting
        )
    if form is not None:
        for row in rows:
            if row["claimable"]:
                row["fields"] = (form[f"points_{row['item'].pk}"], form[f"note_{row['item'].pk}"])
    position = blocks.index(current) if current else 0
    member = own_member(request.user, include_former=True)
    objections = (
        list(Objection.objects.filter(assessment=assessment, raised_by=member).select_related("resolved_by"))
        if member
        else []
    )
    objection_form = None
    if services.publicity_open(evaluation) and access.can_see_publicity(member, evaluation):
        objection_form = ObjectionForm()
    vetoed = [f for f in found if f["section"].kind == Section.Kind.VETO]
    reversed_ = [f for f in found if f["section"].kind == Section.Kind.REVERSE]
    return render(
        request,
        "evaluations/member/assessment.html",
        {
            "assessment": assessment,
            "evaluation": evaluation,
            "published": published,
            "sections": blocks,
            "current": current,
            "form_action": form_action,
            "previous": blocks[position - 1] if position > 0 else None,
            "next": blocks[position + 1] if position + 1 < len(blocks) else None,
            "vetoed": vetoed,
            "reversals": reversed_,
            "form": form,
            "objections": objections,
            "objection_form": objection_form,
            "publicity_open": services.publicity_open(evaluation),
        },
        status=status,
    )


# --- Objections -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def object_to(request, pk: int):
    assessment, member, own = access.get_objection_target(request.user, pk)
    evaluation = assessment.evaluation
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.raise_objection(assessment, member, form.cleaned_data["text"])
            except services.EvaluationError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request, _("Your objection is sent. The secretary answers it before the results become final.")
                )
                if own:
                    return redirect("evaluations:assessment", pk=assessment.pk)
                return redirect("evaluations:publicity", pk=evaluation.pk)
        status = 400
    return render(
        request,
        "evaluations/member/object.html",
        {
            "assessment": assessment,
            "evaluation": evaluation,
            "own": own,
            "form": form,
            "publicity_open": services.publicity_open(evaluation),
        },
        status=status,
    )


# --- Publicity (公示) -----------------------------------------------------------------------


@login_required
@require_safe
def publicity(request, pk: int):
    """Names grouped by rating, in roster order: no scores, no ranking."""
    evaluation = access.get_publicized_evaluation(request.user, pk)
    results = Assessment.objects.filter(evaluation=evaluation)
    counts = dict(results.values_list("rating").annotate(n=Count("pk")).order_by())
    by_branch = evaluation.scheme.subject == Subject.BRANCH
    if by_branch:
        listed = results.order_by("branch__path", "pk").values_list(
            "pk", "rating", "branch__name", "branch__parent__name"
        )
    else:
        listed = (
            results.exclude(rating=Rating.QUALIFIED)
            .order_by("member__organization__path", "member__name", "pk")
            .values_list("pk", "rating", "member__name", "member__organization__name")
        )
    names: dict[str, list[dict]] = {}
    for result_pk, rating, name, where in listed:
        names.setdefault(rating, []).append({"pk": result_pk, "name": name, "where": where})
    order = [rating for rating, _lowest in evaluation.scheme.ratings]
    order += sorted(rating for rating in counts if rating not in order)
    labels = dict(Rating.choices)
    groups = [
        {
            "rating": rating,
            "label": labels.get(rating) or _("No rating"),
            "count": counts.get(rating, 0),
            # Members simply "qualified" are counted, not named.
            "names": None if not by_branch and rating == Rating.QUALIFIED else names.get(rating, []),
        }
        for rating in order
    ]
    return render(
        request,
        "evaluations/member/publicity.html",
        {
            "evaluation": evaluation,
            "groups": groups,
            "total": sum(counts.values()),
            "by_branch": by_branch,
            "show_where": evaluation.organization.kind != evaluation.organization.Kind.BRANCH,
            "publicity_open": services.publicity_open(evaluation),
        },
    )


# --- Evidence files -------------------------------------------------------------------------


@login_required
@require_safe
def evidence(request, pk: int):
    """A reviewer's evidence file: for the reviewers, and for the person assessed once it is published."""
    evidence = access.get_evidence(request.user, pk)
    extension = PurePath(evidence.file.name).suffix.lower()
    return private_file_response(
        evidence.file,
        as_attachment=True,
        # The label typed at upload often names the person or the place; the
        # download, which is kept on phones and forwarded, does not.
        filename=f"evidence-{evidence.pk}{extension}",
        content_type=content_type_of(evidence.file.name),
    )
