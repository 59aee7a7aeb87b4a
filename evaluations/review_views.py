"""The reviewers' workspace: open a round, follow it stage by stage, score results, answer objections.

The lists answer 403 to a user who reviews nowhere; a round, result or
objection outside the user's scope answers 404 (``access``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error

from . import access, services
from .models import Assessment, Evaluation, Item, ItemScore, Objection, ScoreChange, Section, Subject
from .review_forms import FoundForm, OpenRoundForm, ResolveForm, RestForm, ScoreForm
from .scoring import section_points

PER_PAGE = 50
SCORING_STAGES = (Evaluation.Stage.REVIEW, Evaluation.Stage.PUBLICITY)


# --- Rounds ---------------------------------------------------------------------------------


def _open_objections(outer: str = "pk"):
    """Open objections of an assessment, as a subquery: one number per row, no join that multiplies rows."""
    return Coalesce(
        Subquery(
            Objection.objects.filter(assessment_id=OuterRef(outer), status=Objection.Status.OPEN)
            .order_by()
            .values("assessment_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _rounds_page(request, form: OpenRoundForm, status: int = 200):
    open_in_round = (
        Objection.objects.filter(assessment__evaluation_id=OuterRef("pk"), status=Objection.Status.OPEN)
        .order_by()
        .values("assessment__evaluation_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    rounds = (
        access.managed_evaluations(request.user)
        .annotate(
            n_assessments=Count("assessments"),
            n_self_assessed=Count("assessments", filter=Q(assessments__self_submitted_at__isnull=False)),
            n_unscored=Count("assessments", filter=Q(assessments__unscored__gt=0)),
            n_objections=Coalesce(Subquery(open_in_round, output_field=IntegerField()), 0),
        )
        .order_by("-year", "-created_at", "-pk")
    )
    page = Paginator(rounds, 20).get_page(request.GET.get("page"))
    return render(request, "evaluations/review/rounds.html", {"page": page, "form": form}, status=status)


@capability_required(Capability.REVIEW_EVALUATIONS)
@require_safe
def rounds(request):
    return _rounds_page(request, OpenRoundForm(request.user))


@capability_required(Capability.REVIEW_EVALUATIONS)
@require_POST
def open_round(request):
    form = OpenRoundForm(request.user, request.POST)
    if not form.is_valid():
        return _rounds_page(request, form, status=400)
    data = form.cleaned_data
    try:
        evaluation = services.open_evaluation(
            data["scheme"],
            data["organization"],
            request.user,
            self_assessment_ends_on=data["self_assessment_ends_on"],
            background=True,
        )
    except services.EvaluationError as error:
        add_to_form(form, error)
        return _rounds_page(request, form, status=400)
    messages.success(
        request,
        _(
            "The round is open: %(n)d results to assess. Members can write their self-assessment now; "
            "the automatic items are being calculated."
        )
        % {"n": evaluation.assessments.count()},
    )
    return redirect("evaluations:round", pk=evaluation.pk)


# --- One round ------------------------------------------------------------------------------

# ?sort= keys and what they order by; "-key" reverses. Anything else sorts by name.
SORT_KEYS = ("name", "group", "type", "self", "automatic", "total", "unscored", "rating", "vetoed", "objections")


def _sort_key(raw: str | None) -> str:
    raw = raw or ""
    key = raw[1:] if raw.startswith("-") else raw
    return raw if key in SORT_KEYS else "name"


def _ordering(sort: str, rating_rank) -> list:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "rating":
        # Ascending is best first: the best rating, and the highest total within it.
        ordered = [
            rating_rank.desc() if descending else rating_rank.asc(),
            F("total").asc() if descending else F("total").desc(),
        ]
    else:
        field = {
            "name": "sort_name",
            "group": "member__group__name",
            "type": "branch_type",
            "self": "self_submitted_at",
            "automatic": "automatic_points",
            "total": "total",
            "unscored": "unscored",
            "vetoed": "vetoed",
            "objections": "open_objections",
        }[key]
        ordered = [F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)]
    return [*ordered, F("sort_name").asc(), F("pk").asc()]


def _rating_rank(scheme):
    whens = [When(rating=rating, then=Value(rank)) for rank, (rating, _lowest) in enumerate(scheme.ratings)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def _annotated_assessments(evaluation: Evaluation):
    return Assessment.objects.filter(evaluation=evaluation).annotate(
        sort_name=Coalesce("member__name", "branch__name", output_field=CharField())
    )


def _round_summary(evaluation: Evaluation) -> dict:
    summary = evaluation.assessments.aggregate(
        total=Count("pk"),
        self_assessed=Count("pk", filter=Q(self_submitted_at__isnull=False)),
        unscored_results=Count("pk", filter=Q(unscored__gt=0)),
        unscored_items=Coalesce(Sum("unscored"), 0),
        vetoed=Count("pk", filter=Q(vetoed=True)),
    )
    summary["open_objections"] = Objection.objects.filter(
        assessment__evaluation=evaluation, status=Objection.Status.OPEN
    ).count()
    return summary


def _rest_forms(evaluation: Evaluation, bound: RestForm | None = None) -> list[tuple[Item, RestForm, int]]:
    """Manual items with how many results still have no points on them, and a form to score them all."""
    items = list(
        Item.objects.filter(section__scheme_id=evaluation.scheme_id, method=Item.MANUAL)
        .exclude(section__kind__in=[Section.Kind.VETO, Section.Kind.REVERSE])
        .select_related("section")
    )
    if not items:
        return []
    by_type = dict(evaluation.assessments.values_list("branch_type").annotate(n=Count("pk")).order_by())
    scored = dict(
        ItemScore.objects.filter(assessment__evaluation=evaluation, item__in=items, points__isnull=False)
        .values_list("item_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for item in items:
        applicable = by_type.get(item.section.branch_type, 0) if item.section.branch_type else sum(by_type.values())
        form = bound if bound is not None and bound.item.pk == item.pk else RestForm(item)
        rows.append((item, form, max(applicable - scored.get(item.pk, 0), 0)))
    return rows


def _round_page(request, evaluation: Evaluation, rest_form: RestForm | None = None, status: int = 200):
    sort = _sort_key(request.GET.get("sort"))
    assessments = (
        _annotated_assessments(evaluation)
        .select_related("member__group", "branch")
        .annotate(open_objections=_open_objections())
        .order_by(*_ordering(sort, _rating_rank(evaluation.scheme)))
    )
    page = Paginator(assessments, PER_PAGE).get_page(request.GET.get("page"))
    columns = [("name", _("Name"))]
    if evaluation.subject == Subject.MEMBER:
        columns.append(("group", _("Group")))
    else:
        columns.append(("type", _("Branch type")))
    columns += [
        ("self", _("Self-assessed")),
        ("automatic", _("Automatic")),
        ("total", _("Total")),
        ("unscored", _("Unscored")),
        ("rating", _("Rating")),
        ("vetoed", _("Vetoed")),
        ("objections", _("Objections")),
    ]
    headers = [
        {
            "key": key,
            "label": label,
            "next": f"-{key}" if sort == key else key,
            "current": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in columns
    ]
    context = {
        "evaluation": evaluation,
        "scheme": evaluation.scheme,
        "summary": _round_summary(evaluation),
        "page": page,
        "sort": sort,
        "headers": headers,
        "is_members": evaluation.subject == Subject.MEMBER,
        "can_rescore": evaluation.stage in (Evaluation.Stage.SELF_ASSESSMENT, Evaluation.Stage.REVIEW)
        and not evaluation.job,
        "rest_rows": _rest_forms(evaluation, rest_form) if evaluation.stage == Evaluation.Stage.REVIEW else [],
    }
    return render(request, "evaluations/review/round.html", context, status=status)


@login_required
@require_safe
def round_detail(request, pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    return _round_page(request, evaluation)


@login_required
@require_safe
def round_status(request, pk: int):
    """How far the round's background work has got, polled by its page while the work goes on."""
    evaluation = access.get_managed_evaluation(request.user, pk)
    return JsonResponse(
        {
            "status": evaluation.job,
            "status_label": evaluation.get_job_display() if evaluation.job else _("Done"),
            "processed": evaluation.job_done,
            "total": evaluation.job_total,
            "working": bool(evaluation.job),
            "url": reverse("evaluations:round", args=[evaluation.pk]),
        }
    )


@login_required
@require_POST
def rescore(request, pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    try:
        services.rescore(evaluation, request.user, background=True)
    except services.EvaluationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The automatic items are being recalculated from the records."))
    return redirect("evaluations:round", pk=evaluation.pk)


@login_required
@require_POST
def advance(request, pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    try:
        evaluation = services.advance(evaluation, request.user, background=True)
    except services.EvaluationError as error:
        show_error(request, error)
    else:
        if evaluation.job == Evaluation.Job.PUBLISH:
            messages.success(
                request, _("The automatic items are being recalculated; the results are published once that is done.")
            )
        else:
            messages.success(
                request, _("The round moved on to: %(stage)s.") % {"stage": evaluation.get_stage_display()}
            )
    return redirect("evaluations:round", pk=evaluation.pk)


@login_required
@require_POST
def score_rest(request, pk: int, item_pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    item = access.get_round_item(evaluation, item_pk)
    form = RestForm(item, request.POST)
    if not form.is_valid():
        return _round_page(request, evaluation, rest_form=form, status=400)
    try:
        n = services.score_item_for_rest(
            evaluation, item, request.user, form.cleaned_data["points"], form.cleaned_data["note"]
        )
    except services.EvaluationError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("“%(item)s” scored %(points)s for %(n)d results that had no points on it.")
            % {"item": item.title, "points": form.cleaned_data["points"].strip(), "n": n},
        )
    return redirect("evaluations:round", pk=evaluation.pk)


# --- One result -----------------------------------------------------------------------------

CHANGE_LIMIT = 200


def _change_value(change: ScoreChange, value: str) -> str:
    """The stored code of a change, as a person reads it."""
    if not value:
        return "—"
    if change.what == ScoreChange.What.FOUND:
        return _("Yes") if value == "yes" else _("No")
    if change.what == ScoreChange.What.STAGE:
        return str(dict(Evaluation.Stage.choices).get(value, value))
    if change.what == ScoreChange.What.OBJECTION:
        return str(dict(Objection.Status.choices).get(value, value))
    if change.what == ScoreChange.What.SELF:
        return _("%(n)s items") % {"n": value}
    return value


def _neighbours(assessment: Assessment) -> tuple[int | None, int | None]:
    """The results before and after this one in the round, in name order."""
    rows = _annotated_assessments(assessment.evaluation)
    name = assessment.subject_name
    before = (
        rows.filter(Q(sort_name__lt=name) | Q(sort_name=name, pk__lt=assessment.pk))
        .order_by("-sort_name", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    after = (
        rows.filter(Q(sort_name__gt=name) | Q(sort_name=name, pk__gt=assessment.pk))
        .order_by("sort_name", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return before, after


def _review_page(request, assessment: Assessment, bound=None, status: int = 200):
    evaluation = assessment.evaluation
    points = section_points(assessment)
    may_score = evaluation.stage in SCORING_STAGES
    sections = []
    for section, rows in services.score_sheet(assessment):
        section.earned = points.get(section.pk)
        section.rows = rows
        sections.append(section)
        for row in rows:
            item, score = row["item"], row["score"]
            row["form"] = None
            if item.is_automatic or not may_score:
                continue
            if bound is not None and bound.item.pk == item.pk:
                row["form"] = bound
            elif section.is_list:
                row["form"] = FoundForm(item, initial={"found": "yes" if score and score.found else "no"})
            else:
                initial = {}
                if score is not None and score.points is not None:
                    initial = {"points": score.points}
                elif score is not None and score.self_points is not None:
                    initial = {"points": score.self_points}
                row["form"] = ScoreForm(item, initial=initial)
    changes = list(
        ScoreChange.objects.filter(assessment=assessment)
        .select_related("user", "item")
        .order_by("-at", "-pk")[:CHANGE_LIMIT]
    )
    for change in changes:
        change.old_display = _change_value(change, change.old)
        change.new_display = _change_value(change, change.new)
    previous_pk, next_pk = _neighbours(assessment)
    context = {
        "assessment": assessment,
        "evaluation": evaluation,
        "scheme": evaluation.scheme,
        "sections": sections,
        "changes": changes,
        "change_limit": CHANGE_LIMIT,
        "may_score": may_score,
        "open_objections": Objection.objects.filter(assessment=assessment, status=Objection.Status.OPEN).count(),
        "previous_pk": previous_pk,
        "next_pk": next_pk,
    }
    return render(request, "evaluations/review/review.html", context, status=status)


@login_required
@require_safe
def review(request, pk: int):
    assessment = access.get_managed_assessment(request.user, pk)
    return _review_page(request, assessment)


@login_required
@require_POST
def score_item(request, pk: int, item_pk: int):
    assessment = access.get_managed_assessment(request.user, pk)
    item = access.get_assessment_item(assessment, item_pk)
    if item.section.is_list:
        form = FoundForm(item, request.POST, request.FILES)
    else:
        form = ScoreForm(item, request.POST, request.FILES)
    if not form.is_valid():
        return _review_page(request, assessment, bound=form, status=400)
    data = form.cleaned_data
    try:
        if item.section.is_list:
            services.set_found(assessment, item, request.user, data["found"], data["reason"], files=data["files"])
        else:
            services.score_item(assessment, item, request.user, data["points"], data["note"], files=data["files"])
    except services.EvaluationError as error:
        # A message, not the form: outside review the page shows no forms to carry it.
        show_error(request, error)
        return _review_page(request, assessment, bound=form, status=400)
    messages.success(request, _("“%(item)s” saved.") % {"item": item.title})
    return redirect(reverse("evaluations:review", args=[assessment.pk]) + f"#item-{item.pk}")


# --- Objections -----------------------------------------------------------------------------


def _objections_page(request, evaluation: Evaluation, bound: ResolveForm | None = None, bound_pk=None, status=200):
    objections = (
        Objection.objects.filter(assessment__evaluation=evaluation)
        .select_related("raised_by", "assessment__member", "assessment__branch", "resolved_by")
        .annotate(
            is_open=Case(
                When(status=Objection.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("is_open", "-raised_at", "-pk")
    )
    page = Paginator(objections, PER_PAGE).get_page(request.GET.get("page"))
    may_answer = evaluation.stage == Evaluation.Stage.PUBLICITY
    for objection in page:
        objection.form = None
        if objection.status == Objection.Status.OPEN and may_answer:
            objection.form = bound if bound_pk == objection.pk else ResolveForm(objection_pk=objection.pk)
    context = {"evaluation": evaluation, "page": page, "may_answer": may_answer}
    return render(request, "evaluations/review/objections.html", context, status=status)


@login_required
@require_safe
def objections(request, pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    return _objections_page(request, evaluation)


@login_required
@require_http_methods(["POST"])
def resolve_objection(request, pk: int):
    objection = access.get_managed_objection(request.user, pk)
    evaluation = objection.assessment.evaluation
    form = ResolveForm(request.POST, objection_pk=objection.pk)
    if not form.is_valid():
        return _objections_page(request, evaluation, bound=form, bound_pk=objection.pk, status=400)
    try:
        services.resolve_objection(objection, request.user, form.cleaned_data["upheld"], form.cleaned_data["reply"])
    except services.EvaluationError as error:
        show_error(request, error)
        return redirect("evaluations:objections", pk=evaluation.pk)
    if objection.status == Objection.Status.UPHELD:
        messages.success(
            request,
            _("The objection is upheld. Change the score on the result's page; the change is logged with its reason."),
        )
    else:
        messages.success(request, _("The objection is dismissed; the member can read your reply."))
    return redirect(reverse("evaluations:objections", args=[evaluation.pk]) + f"#objection-{objection.pk}")
