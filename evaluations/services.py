"""Use cases of the annual evaluation: schemes, the round's stages, scores and objections.

Views and commands call these; each checks the stage and the input and raises
``EvaluationError`` (a translated message and a stable code) when something is
not allowed, changing nothing. Which rounds and results a person may reach at
all is ``access``'s question, answered before a service is called. Every
change to a score is logged in ``ScoreChange``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.db import transaction
from django.db.models import BooleanField, CharField, DecimalField, IntegerField, JSONField, Max, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.bulk import insert_from_select
from branches.errors import DomainError
from branches.models import Organization, Role
from branches.queue import enqueue, enqueue_on_commit
from members.models import Member
from notifications.services import Notice, notify_members, notify_users

from . import library, tasks
from .access import can_review, can_see_publicity, can_self_assess
from .models import (
    ZERO,
    Assessment,
    Evaluation,
    Evidence,
    Item,
    ItemScore,
    Objection,
    Scheme,
    ScoreChange,
    Section,
    Subject,
)
from .notices import STAGE_NOTICES
from .rules import RULES
from .scoring import recompute_totals, score_automatic


class EvaluationError(DomainError):
    """A step of the evaluation that is not allowed now; ``code`` says which rule refused it."""

    default_code = "evaluation_refused"


def _actor(user):
    """The user to record as having done something; None for a command or a sweep."""
    return user if getattr(user, "is_authenticated", False) else None


# --- Schemes --------------------------------------------------------------------------------


@transaction.atomic
def copy_from_library(key: str, organization: Organization, year: int, user=None) -> Scheme:
    spec = library.SCHEMES.get(key)
    if spec is None:
        raise EvaluationError(_("There is no such scheme in the library."), "unknown_library_scheme", field="library")
    version = _next_version(organization, year, spec.name)
    scheme = Scheme.objects.create(
        organization=organization,
        year=year,
        subject=spec.subject,
        name=spec.name,
        description=spec.description,
        version=version,
        source=spec.key,
        ratings=[[rating, str(lowest)] for rating, lowest in spec.ratings],
        publicity_days=spec.publicity_days,
        created_by=_actor(user),
    )
    for position, section_spec in enumerate(spec.sections):
        section = Section.objects.create(
            scheme=scheme,
            position=position,
            title=section_spec.title,
            kind=section_spec.kind,
            cap=section_spec.cap,
            branch_type=section_spec.branch_type,
        )
        Item.objects.bulk_create(
            Item(
                section=section,
                position=n,
                title=item.title,
                rule=item.rule,
                points=item.points,
                method=item.method,
            )
            for n, item in enumerate(section_spec.items)
        )
    return scheme


@transaction.atomic
def copy_scheme(source: Scheme, organization: Organization, year: int, user=None) -> Scheme:
    """A new editable scheme from an existing one: next year's, another branch's, or a new version."""
    scheme = Scheme.objects.create(
        organization=organization,
        year=year,
        subject=source.subject,
        name=source.name,
        description=source.description,
        version=_next_version(organization, year, source.name),
        source=source.source,
        copied_from=source,
        ratings=source.ratings,
        publicity_days=source.publicity_days,
        created_by=_actor(user),
    )
    for section in source.sections.prefetch_related("items"):
        items = list(section.items.all())
        section.pk = None
        section.scheme = scheme
        section.save()
        for item in items:
            item.pk = None
            item.section = section
        Item.objects.bulk_create(items)
    return scheme


def _next_version(organization: Organization, year: int, name: str) -> int:
    latest = Scheme.objects.filter(organization=organization, year=year, name=name).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def schemes_for(organization: Organization, year: int, subject: str):
    """Schemes usable for a round over ``organization``: its own and its ancestors' of that year."""
    return Scheme.objects.filter(
        organization_id__in=[*organization.ancestor_ids(), organization.pk], year=year, subject=subject
    )


def check_editable(scheme: Scheme) -> None:
    if scheme.is_frozen:
        raise EvaluationError(
            _("A round already uses this scheme, so its items cannot change. Copy it as a new version instead."),
            "scheme_in_use",
        )


# --- Opening a round ------------------------------------------------------------------------


@transaction.atomic
def open_evaluation(
    scheme: Scheme,
    organization: Organization,
    user=None,
    *,
    self_assessment_ends_on: dt.date | None = None,
    background: bool = False,
) -> Evaluation:
    """Open a round: one assessment per active member (or branch) under ``organization``, automatic items scored.

    With ``background`` the scoring is queued (``run_job``) for after the
    commit, and the round shows its progress meanwhile.
    """
    if not organization.is_within(scheme.organization):
        raise EvaluationError(_("This scheme belongs to another organization."), "foreign_scheme", field="scheme")
    if scheme.subject == Subject.MEMBER and organization.kind not in (
        Organization.Kind.BRANCH,
        Organization.Kind.GENERAL_BRANCH,
        Organization.Kind.COMMITTEE,
    ):
        raise EvaluationError(
            _("Members are evaluated by their branch or an organization above it."),
            "members_need_a_branch",
            field="organization",
        )
    if Evaluation.objects.filter(scheme=scheme, organization=organization).exists():
        raise EvaluationError(_("This scheme already has a round for this organization."), "round_exists")
    evaluation = Evaluation.objects.create(
        scheme=scheme,
        organization=organization,
        year=scheme.year,
        self_assessment_ends_on=self_assessment_ends_on,
        created_by=_actor(user),
    )
    constants = {
        "e_": Value(evaluation.pk, output_field=IntegerField()),
        "blank_": Value("", output_field=CharField()),
        "json_": Value({}, output_field=JSONField()),
        "zero_": Value(ZERO, output_field=DecimalField(max_digits=5, decimal_places=1)),
        "none_": Value(0, output_field=IntegerField()),
        "false_": Value(False, output_field=BooleanField()),
    }
    rest = ["blank_", "json_", "zero_", "zero_", "none_", "false_", "blank_"]
    fields = ["self_summary", "section_points", "automatic_points", "total", "unscored", "vetoed", "rating"]
    if scheme.subject == Subject.MEMBER:
        subjects = (
            Member.objects.active()
            .in_subtree(organization)
            .annotate(**constants)
            .values_list("e_", "pk", "blank_", *rest)
        )
        fields = ["evaluation", "member", "branch_type", *fields]
    else:
        subjects = (
            Organization.objects.subtree_of(organization)
            .branches()
            .annotate(**constants)
            .values_list("e_", "pk", "branch_type", *rest)
        )
        fields = ["evaluation", "branch", "branch_type", *fields]
    if not insert_from_select(Assessment, fields, subjects):
        raise EvaluationError(_("There is nobody to evaluate under this organization."), "nobody_to_evaluate")
    if background:
        _queue_job(evaluation, Evaluation.Job.SCORE, user)
    else:
        # Totals too: every assessment is in a chunk that score_automatic writes.
        score_automatic(evaluation)
    _log(evaluation, user, ScoreChange.What.STAGE, new=evaluation.stage)
    return evaluation


# --- Background work ------------------------------------------------------------------------

# A queued job no worker has claimed after this long lost its message; a
# claimed one whose progress stopped this long ago lost its worker. A chunk
# of 5,000 subjects takes seconds, so a living worker beats far more often.
JOB_QUEUED_STALE_AFTER = dt.timedelta(minutes=5)
JOB_STALE_AFTER = dt.timedelta(minutes=5)


def _check_no_job(evaluation: Evaluation) -> None:
    """One job at a time: what a second click asks for is what the running one already does."""
    if evaluation.job:
        raise EvaluationError(
            _("The automatic items of this round are being calculated; wait until the page shows they are done."),
            "job_running",
        )


def _queue_job(evaluation: Evaluation, job: str, user, now: dt.datetime | None = None) -> None:
    """Write the round's slow work in its row and queue it once committed; a second one is refused.

    The conditional update is the lock: of two clicks, only one finds the
    round free, whatever the timing.
    """
    now = now or timezone.now()
    claimed = Evaluation.objects.filter(pk=evaluation.pk, job="").update(
        job=job,
        job_by=_actor(user),
        job_queued_at=now,
        job_started_at=None,
        job_beat_at=None,
        job_done=0,
        job_total=0,
        job_refusal="",
    )
    if not claimed:
        # Another request queued one since this round was read.
        raise EvaluationError(
            _("The automatic items of this round are being calculated; wait until the page shows they are done."),
            "job_running",
        )
    evaluation.job, evaluation.job_queued_at, evaluation.job_done, evaluation.job_refusal = job, now, 0, ""
    enqueue_on_commit(tasks.run_round_job, evaluation.pk)


def _stale(now: dt.datetime) -> Q:
    return Q(job_started_at__isnull=True, job_queued_at__lt=now - JOB_QUEUED_STALE_AFTER) | Q(
        job_started_at__isnull=False, job_beat_at__lt=now - JOB_STALE_AFTER
    )


def run_job(evaluation_id: int) -> bool:
    """Do a round's queued work; False when there is none or a living run holds it.

    Idempotent: scores are upserts and totals are recomputed from them, so a
    run that takes over from a dead worker ends with the same scores. Each
    chunk commits on its own, so the page sees the progress.
    """
    now = timezone.now()
    claimed = (
        Evaluation.objects.filter(pk=evaluation_id)
        .exclude(job="")
        .filter(Q(job_started_at__isnull=True) | Q(job_beat_at__lt=now - JOB_STALE_AFTER))
        .update(job_started_at=now, job_beat_at=now, job_done=0)
    )
    if not claimed:
        return False
    evaluation = Evaluation.objects.select_related("scheme", "organization").get(pk=evaluation_id)
    # Written only under this run's claim: a run the sweep gave up on cannot move the bar back.
    mine = Evaluation.objects.filter(pk=evaluation_id, job_started_at=now)

    def progress(done: int, total: int) -> None:
        mine.update(job_done=done, job_total=total, job_beat_at=timezone.now())

    score_automatic(evaluation, progress=progress)
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related("scheme", "organization", "job_by")
            .get(pk=evaluation_id)
        )
        if evaluation.job_started_at != now:
            return False
        refusal = ""
        if evaluation.job == Evaluation.Job.PUBLISH and evaluation.stage == Evaluation.Stage.REVIEW:
            try:
                _publish(evaluation, timezone.now())
            except EvaluationError as error:
                refusal = error.code
            else:
                _log(
                    evaluation,
                    evaluation.job_by,
                    ScoreChange.What.STAGE,
                    old=Evaluation.Stage.REVIEW,
                    new=evaluation.stage,
                )
                _announce(evaluation)
        mine.update(job="", job_by=None, job_queued_at=None, job_started_at=None, job_beat_at=None, job_refusal=refusal)
    return True


def requeue_stale_jobs(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue again the jobs whose message was lost or whose worker died.

    The queued time is renewed first, under the same condition, so a worker
    that claims the job meanwhile wins and the next sweep does not send it twice.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "waiting": 0}
    for pk in Evaluation.objects.exclude(job="").filter(_stale(now)).values_list("pk", flat=True).order_by("pk"):
        renewed = (
            Evaluation.objects.filter(pk=pk)
            .exclude(job="")
            .filter(_stale(now))
            .update(job_queued_at=now, job_started_at=None, job_beat_at=None)
        )
        if renewed:
            counts["requeued" if enqueue(tasks.run_round_job, pk) else "waiting"] += 1
    return counts


# --- Scores ---------------------------------------------------------------------------------


def parse_points(raw, item: Item) -> Decimal:
    """Points typed by a person: a number from 0 to the item's points, in tenths."""
    try:
        points = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise EvaluationError(
            _("“%(value)s” is not a number of points.") % {"value": raw}, "not_a_number", field="points"
        ) from None
    if not points.is_finite() or points < 0 or points > item.points or points != points.quantize(Decimal("0.1")):
        raise EvaluationError(
            _("Points for “%(item)s” must be between 0 and %(max)s, in steps of 0.1.")
            % {"item": item.title, "max": item.points},
            "points_out_of_range",
            field="points",
        )
    return points


def check_self_assessment_open(evaluation: Evaluation) -> None:
    if evaluation.stage != Evaluation.Stage.SELF_ASSESSMENT:
        raise EvaluationError(_("Self-assessment is closed for this round."), "self_assessment_closed")


@transaction.atomic
def submit_self_assessment(assessment: Assessment, user, summary: str, claims: dict[int, tuple[str, str]]) -> None:
    """自评: the member's (or branch's) own statement and points, item by item; may be sent again until review."""
    check_self_assessment_open(assessment.evaluation)
    if not can_self_assess(user, assessment):
        raise EvaluationError(_("You cannot assess this result."), "not_yours")
    summary = summary.strip()
    if not summary:
        raise EvaluationError(_("Write a few lines about your year."), "summary_missing", field="summary")
    items = {item.pk: item for item in _scored_items(assessment)}
    parsed = {}
    for item_id, (raw, note) in claims.items():
        item = items.get(item_id)
        if item is None:
            raise EvaluationError(_("That item is not part of this assessment."), "foreign_item")
        if str(raw).strip() == "":
            continue
        parsed[item_id] = (parse_points(raw, item), note.strip())
    existing = {s.item_id: s for s in ItemScore.objects.filter(assessment=assessment, item_id__in=parsed)}
    now = timezone.now()
    for item_id, (points, note) in parsed.items():
        score = existing.get(item_id) or ItemScore(assessment=assessment, item_id=item_id)
        score.self_points, score.self_note = points, note
        score.save()
    assessment.self_summary = summary
    assessment.self_submitted_at = now
    assessment.save(update_fields=["self_summary", "self_submitted_at"])
    _log(assessment.evaluation, user, ScoreChange.What.SELF, assessment=assessment, new=str(len(parsed)))


def applicable_sections(assessment: Assessment):
    """Sections that apply to this assessment: the common ones and its branch type's typed ones."""
    return Section.objects.filter(scheme_id=assessment.evaluation.scheme_id).filter(
        Q(branch_type="") | Q(branch_type=assessment.branch_type)
    )


def _scored_items(assessment: Assessment):
    return Item.objects.filter(section__in=applicable_sections(assessment))


def score_sheet(assessment: Assessment) -> list[tuple[Section, list[dict]]]:
    """The assessment item by item, in three queries: each applicable section with rows of
    ``item``, ``score`` (or None), ``rule`` (automatic items) and ``evidence`` (the rule's
    sentence about the counts behind the points)."""
    sections = applicable_sections(assessment).prefetch_related("items")
    scores = {
        score.item_id: score
        for score in ItemScore.objects.filter(assessment=assessment)
        .select_related("scored_by")
        .prefetch_related("evidence")
    }
    sheet = []
    for section in sections:
        rows = []
        for item in section.items.all():
            score = scores.get(item.pk)
            rule = RULES.get(item.method) if item.is_automatic else None
            evidence = rule.describe(score.facts) if rule is not None and score is not None and score.facts else ""
            rows.append({"item": item, "score": score, "rule": rule, "evidence": evidence})
        sheet.append((section, rows))
    return sheet


def _check_reviewing(assessment: Assessment, user) -> None:
    evaluation = assessment.evaluation
    if not can_review(user, evaluation):
        raise EvaluationError(
            _("Only the organization's secretaries and the committee above score this round."), "not_a_reviewer"
        )
    if evaluation.stage not in (Evaluation.Stage.REVIEW, Evaluation.Stage.PUBLICITY):
        raise EvaluationError(
            _("Scores are given during review, and changed during publicity after an objection."), "not_scoring"
        )


@transaction.atomic
def score_item(assessment: Assessment, item: Item, user, raw_points, note: str, files=()) -> ItemScore:
    """A reviewer's points for a manual item, with a note and evidence files."""
    _check_reviewing(assessment, user)
    if item.is_automatic or item.section.is_list or not _scored_items(assessment).filter(pk=item.pk).exists():
        raise EvaluationError(_("This item is not scored by hand."), "not_scored_by_hand")
    points = parse_points(raw_points, item)
    note = note.strip()
    if not note:
        raise EvaluationError(
            _("Say why, in a note: every score is kept with its reason."), "note_missing", field="note"
        )
    score, _created = ItemScore.objects.select_for_update().get_or_create(assessment=assessment, item=item)
    old = score.points
    score.points, score.note, score.scored_by, score.scored_at = points, note, user, timezone.now()
    score.save()
    _attach(score, files, user)
    _log(
        assessment.evaluation,
        user,
        ScoreChange.What.POINTS,
        assessment=assessment,
        item=item,
        old="" if old is None else str(old),
        new=str(points),
        reason=note,
    )
    recompute_totals(assessment.evaluation, [assessment.pk])
    return score


@transaction.atomic
def set_found(assessment: Assessment, item: Item, user, found: bool, reason: str, files=()) -> ItemScore:
    """Mark a clear-to-zero or reverse situation as found (or not): always with a written reason."""
    _check_reviewing(assessment, user)
    if not item.section.is_list or item.section.scheme_id != assessment.evaluation.scheme_id:
        raise EvaluationError(_("This item is not a clear-to-zero or reverse situation."), "not_a_situation")
    reason = reason.strip()
    if not reason:
        raise EvaluationError(
            _("A clear-to-zero or reverse decision needs a written reason."), "reason_missing", field="reason"
        )
    score, _created = ItemScore.objects.select_for_update().get_or_create(assessment=assessment, item=item)
    old = score.found
    score.found, score.note, score.scored_by, score.scored_at = found, reason, user, timezone.now()
    score.save()
    _attach(score, files, user)
    _log(
        assessment.evaluation,
        user,
        ScoreChange.What.FOUND,
        assessment=assessment,
        item=item,
        old=_yes_no(old),
        new=_yes_no(found),
        reason=reason,
    )
    recompute_totals(assessment.evaluation, [assessment.pk])
    return score


def _attach(score: ItemScore, files, user) -> None:
    for upload in files:
        # The stored name is random: the one typed on the phone may say who it is about.
        name = upload.name[:200]
        upload.name = f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}"
        Evidence.objects.create(score=score, file=upload, name=name, uploaded_by=user)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@transaction.atomic
def score_item_for_rest(evaluation: Evaluation, item: Item, user, raw_points, note: str) -> int:
    """Give every assessment not yet scored on ``item`` the same points: a branch scores 57 members at once."""
    if not can_review(user, evaluation):
        raise EvaluationError(
            _("Only the organization's secretaries and the committee above score this round."), "not_a_reviewer"
        )
    if evaluation.stage != Evaluation.Stage.REVIEW:
        raise EvaluationError(_("Scores are given during review."), "not_review")
    if item.is_automatic or item.section.is_list or item.section.scheme_id != evaluation.scheme_id:
        raise EvaluationError(_("This item is not scored by hand."), "not_scored_by_hand")
    points = parse_points(raw_points, item)
    note = note.strip()
    if not note:
        raise EvaluationError(
            _("Say why, in a note: every score is kept with its reason."), "note_missing", field="note"
        )
    assessments = Assessment.objects.filter(evaluation=evaluation)
    if item.section.branch_type:
        assessments = assessments.filter(branch_type=item.section.branch_type)
    # One subquery, so both conditions hold on the same score row: a member's
    # self-assessed points on this item (points still empty) leave them to do.
    scored = ItemScore.objects.filter(item=item, points__isnull=False).values("assessment_id")
    todo = list(assessments.exclude(pk__in=scored).values_list("pk", flat=True))
    now = timezone.now()
    user_id = getattr(_actor(user), "pk", None)
    ItemScore.objects.bulk_create(
        [
            ItemScore(assessment_id=pk, item=item, points=points, note=note, scored_by_id=user_id, scored_at=now)
            for pk in todo
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["assessment", "item"],
        update_fields=["points", "note", "scored_by", "scored_at"],
    )
    ScoreChange.objects.bulk_create(
        [
            ScoreChange(
                evaluation=evaluation,
                assessment_id=pk,
                item=item,
                user_id=user_id,
                at=now,
                what=ScoreChange.What.POINTS,
                new=str(points),
                reason=note,
            )
            for pk in todo
        ],
        batch_size=1000,
    )
    recompute_totals(evaluation, todo)
    return len(todo)


def rescore(evaluation: Evaluation, user, *, background: bool = False) -> int:
    """Automatic items again from the records; a published result never moves.

    With ``background`` the work is queued and 0 returned: the page shows its progress.
    """
    if not can_review(user, evaluation):
        raise EvaluationError(
            _("Only the organization's secretaries and the committee above score this round."), "not_a_reviewer"
        )
    if evaluation.stage not in (Evaluation.Stage.SELF_ASSESSMENT, Evaluation.Stage.REVIEW):
        raise EvaluationError(_("Automatic items are fixed once the results are published."), "automatic_fixed")
    _check_no_job(evaluation)
    if background:
        with transaction.atomic():
            _queue_job(evaluation, Evaluation.Job.SCORE, user)
        return 0
    return score_automatic(evaluation)


# --- Stages ---------------------------------------------------------------------------------


@transaction.atomic
def advance(evaluation: Evaluation, user, now: dt.datetime | None = None, *, background: bool = False) -> Evaluation:
    """Move the round to its next stage, if what the current stage asks for is done.

    With ``background`` the automatic items are recalculated by a queued job:
    review starts at once, while publishing waits for the job (``run_job``).
    """
    now = now or timezone.now()
    evaluation = Evaluation.objects.select_for_update().select_related("scheme", "organization").get(pk=evaluation.pk)
    if not can_review(user, evaluation):
        raise EvaluationError(
            _("Only the organization's secretaries and the committee above run this round."), "not_a_reviewer"
        )
    _check_no_job(evaluation)
    old = evaluation.stage
    if old == Evaluation.Stage.SELF_ASSESSMENT:
        evaluation.stage = Evaluation.Stage.REVIEW
        evaluation.save(update_fields=["stage"])
        if background:
            _queue_job(evaluation, Evaluation.Job.SCORE, user, now)
        else:
            score_automatic(evaluation)
    elif old == Evaluation.Stage.REVIEW:
        if background:
            # Refused at once if it would be refused after the job: automatic items never fill a manual one.
            _check_all_scored(evaluation)
            _queue_job(evaluation, Evaluation.Job.PUBLISH, user, now)
            return evaluation
        score_automatic(evaluation)
        _publish(evaluation, now)
    elif old == Evaluation.Stage.PUBLICITY:
        if now < evaluation.publicity_ends_at:
            raise EvaluationError(
                _("Publicity runs until %(end)s; the results become final after it.")
                % {"end": timezone.localtime(evaluation.publicity_ends_at).strftime("%Y-%m-%d %H:%M")},
                "publicity_running",
            )
        if Objection.objects.filter(assessment__evaluation=evaluation, status=Objection.Status.OPEN).exists():
            raise EvaluationError(_("Answer every open objection before the results become final."), "objections_open")
        evaluation.stage = Evaluation.Stage.FINAL
        evaluation.finalized_at = now
        evaluation.save(update_fields=["stage", "finalized_at"])
    else:
        raise EvaluationError(_("This round is already final."), "final")
    _log(evaluation, user, ScoreChange.What.STAGE, old=old, new=evaluation.stage)
    _announce(evaluation)
    return evaluation


def _check_all_scored(evaluation: Evaluation) -> None:
    unscored = evaluation.assessments.filter(unscored__gt=0).count()
    if unscored:
        raise EvaluationError(
            _("%(count)d results still have items nobody has scored. Score them before publishing.")
            % {"count": unscored},
            "unscored_results",
        )


def _publish(evaluation: Evaluation, now: dt.datetime) -> None:
    _check_all_scored(evaluation)
    evaluation.stage = Evaluation.Stage.PUBLICITY
    evaluation.publicity_starts_at = now
    evaluation.publicity_ends_at = now + dt.timedelta(days=evaluation.scheme.publicity_days)
    evaluation.save(update_fields=["stage", "publicity_starts_at", "publicity_ends_at"])


def notice_for(evaluation: Evaluation) -> Notice | None:
    if evaluation.stage not in STAGE_NOTICES:
        return None
    return Notice(
        kind="evaluation",
        wording="evaluation_stage",
        params={"stage": str(evaluation.stage), "year": evaluation.year},
        url=reverse("evaluations:mine"),
    )


def _announce(evaluation: Evaluation) -> None:
    """Tell the people evaluated; keys make a repeated stage change send nothing twice."""
    notice = notice_for(evaluation)
    if notice is None:
        return
    key = f"evaluation:{evaluation.pk}:{evaluation.stage}:"
    if evaluation.scheme.subject == Subject.MEMBER:
        ids = evaluation.assessments.filter(member__user__isnull=False).values_list("member_id", flat=True)
        transaction.on_commit(lambda: notify_members(list(ids), notice, key + "{member}"))
    else:
        users = (
            Role.objects.filter(organization__assessments__evaluation=evaluation)
            .values_list("user_id", flat=True)
            .distinct()
        )
        transaction.on_commit(lambda: notify_users(list(users), notice, key + "{user}"))


# --- Objections -----------------------------------------------------------------------------


def publicity_open(evaluation: Evaluation, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        evaluation.stage == Evaluation.Stage.PUBLICITY
        and evaluation.publicity_ends_at is not None
        and now < evaluation.publicity_ends_at
    )


@transaction.atomic
def raise_objection(assessment: Assessment, member: Member, text: str, now: dt.datetime | None = None) -> Objection:
    evaluation = assessment.evaluation
    if not can_see_publicity(member, evaluation):
        raise EvaluationError(_("You cannot object to this result."), "not_published_to_you")
    if not publicity_open(evaluation, now):
        raise EvaluationError(_("Objections are taken only while the results are published."), "publicity_over")
    text = text.strip()
    if not text:
        raise EvaluationError(_("Write what you object to and why."), "text_missing", field="text")
    if Objection.objects.filter(assessment=assessment, raised_by=member, status=Objection.Status.OPEN).exists():
        raise EvaluationError(
            _("You already have an open objection to this result; wait for its answer."), "objection_open"
        )
    objection = Objection.objects.create(
        assessment=assessment, raised_by=member, text=text, raised_at=now or timezone.now()
    )
    _log(evaluation, None, ScoreChange.What.OBJECTION, assessment=assessment, new=Objection.Status.OPEN, reason=text)
    _tell_reviewers(objection)
    return objection


def _tell_reviewers(objection: Objection) -> None:
    """The secretaries of the round's organization and above hear of a new objection at once."""
    evaluation = objection.assessment.evaluation
    organization = evaluation.organization
    reviewers = list(
        Role.objects.filter(organization_id__in=[*organization.ancestor_ids(), organization.pk])
        .values_list("user_id", flat=True)
        .distinct()
    )
    notice = Notice(
        kind="evaluation",
        wording="evaluation_objection",
        params={"year": evaluation.year, "text": objection.text[:200]},
        url=reverse("evaluations:objections", args=[evaluation.pk]),
    )
    transaction.on_commit(lambda: notify_users(reviewers, notice, f"objection:{objection.pk}:{{user}}"))


@transaction.atomic
def resolve_objection(objection: Objection, user, upheld: bool, reply: str) -> Objection:
    evaluation = objection.assessment.evaluation
    if not can_review(user, evaluation):
        raise EvaluationError(
            _("Only the organization's secretaries and the committee above answer objections."), "not_a_reviewer"
        )
    if objection.status != Objection.Status.OPEN:
        raise EvaluationError(_("This objection has been answered already."), "answered")
    if evaluation.stage != Evaluation.Stage.PUBLICITY:
        raise EvaluationError(_("Objections are answered while the results are published."), "not_publicity")
    reply = reply.strip()
    if not reply:
        raise EvaluationError(_("Write the answer the member will read."), "reply_missing", field="reply")
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.reply, objection.resolved_by, objection.resolved_at = reply, user, timezone.now()
    objection.save(update_fields=["status", "reply", "resolved_by", "resolved_at"])
    _log(
        evaluation,
        user,
        ScoreChange.What.OBJECTION,
        assessment=objection.assessment,
        old=Objection.Status.OPEN,
        new=objection.status,
        reason=reply,
    )
    return objection


def _log(evaluation: Evaluation, user, what: str, *, assessment=None, item=None, old="", new="", reason="") -> None:
    ScoreChange.objects.create(
        evaluation=evaluation,
        assessment=assessment,
        item=item,
        user=_actor(user),
        at=timezone.now(),
        what=what,
        old=old,
        new=new,
        reason=reason,
    )
