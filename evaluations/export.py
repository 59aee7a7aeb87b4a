"""A round's results as an .xlsx: one row per result with every section and item, and the scheme itself.

Rows are read in chunks with their item scores prefetched chunk by chunk, so
a round of 100,000 members costs a few queries per 2,000 rows and never holds
the whole round in memory; the write-only workbook streams rows to disk.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from branches.models import Organization
from members.spreadsheets import safe_cell

from .models import Assessment, Evaluation, Item, ItemScore, Rating, Section, Subject
from .rules import RULES

CHUNK = 2000


def filename(evaluation: Evaluation) -> str:
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", evaluation.organization.code or "").strip("-") or str(
        evaluation.organization_id
    )
    return f"evaluation-{evaluation.year}-{code}.xlsx"


def _yes(value: bool) -> str:
    return _("Yes") if value else ""


def _how(item: Item) -> str:
    if not item.is_automatic:
        return _("By hand")
    rule = RULES.get(item.method)
    return str(rule.label) if rule else item.method


def evaluation_workbook(evaluation: Evaluation) -> bytes:
    scheme = evaluation.scheme
    sections = list(Section.objects.filter(scheme=scheme).prefetch_related("items"))
    items = [item for section in sections for item in section.items.all()]
    scored = [section for section in sections if section.kind in Section.SCORED_KINDS]
    is_member = scheme.subject == Subject.MEMBER
    type_labels = dict(Organization.BranchType.choices)
    ratings = dict(Rating.choices)

    workbook = Workbook(write_only=True)
    results = workbook.create_sheet(title=_("Results")[:31])
    header = [
        _("Name"),
        _("Group") if is_member else _("Branch type"),
        *[f"{section.title}" for section in scored],
        *[f"{item.section.title} · {item.title}" for item in items],
        _("Total"),
        _("Rating"),
        _("Cleared to zero or reversed"),
        _("Reason"),
        _("Self-assessed at"),
    ]
    results.append([safe_cell(str(cell)) for cell in header])

    assessments = (
        Assessment.objects.filter(evaluation=evaluation)
        .select_related("member__group", "branch")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=ItemScore.objects.only("assessment_id", "item_id", "points", "found", "note"),
            )
        )
        .order_by("member__name", "branch__path", "pk")
    )
    item_sections = {item.pk: item.section for item in items}
    for assessment in assessments.iterator(chunk_size=CHUNK):
        scores = {score.item_id: score for score in assessment.scores.all()}
        points = assessment.section_points or {}
        if assessment.member_id:
            where = assessment.member.group.name if assessment.member.group_id else ""
        else:
            where = str(type_labels.get(assessment.branch_type, assessment.branch_type))
        applies = [s.applies_to(assessment.branch_type) for s in scored]
        section_cells = [
            _number(points.get(str(section.pk))) if ok else None for section, ok in zip(scored, applies, strict=True)
        ]
        item_cells = []
        reasons = []
        for item in items:
            section = item_sections[item.pk]
            score = scores.get(item.pk)
            if not section.applies_to(assessment.branch_type):
                item_cells.append(None)
            elif section.is_list:
                found = score is not None and score.found
                item_cells.append(_yes(found))
                if found:
                    reasons.append(f"{item.title}: {score.note}" if score.note else item.title)
            else:
                item_cells.append(score.points if score is not None else None)
        self_at = assessment.self_submitted_at
        row = [
            assessment.member.name if assessment.member_id else assessment.branch.name,
            where,
            *section_cells,
            *item_cells,
            assessment.total,
            str(ratings.get(assessment.rating, assessment.rating)),
            _("Yes") if assessment.vetoed else _("No"),
            "; ".join(reasons),
            timezone.localtime(self_at).strftime("%Y-%m-%d %H:%M") if self_at else "",
        ]
        results.append([safe_cell(cell) for cell in row])

    sheet = workbook.create_sheet(title=_("Scheme")[:31])
    sheet.append(
        [
            safe_cell(f"{scheme.year} {scheme.name} v{scheme.version}"),
            safe_cell(str(Subject(scheme.subject).label) if scheme.subject in Subject.values else scheme.subject),
        ]
    )
    sheet.append(
        [
            safe_cell(str(cell))
            for cell in (
                _("Section"),
                _("Kind"),
                _("Section points"),
                _("Only for branches of type"),
                _("Item"),
                _("Points"),
                _("Scored"),
                _("Scoring rule"),
            )
        ]
    )
    kinds = dict(Section.Kind.choices)
    for section in sections:
        section_cells = [
            section.title,
            str(kinds.get(section.kind, section.kind)),
            None if section.is_list else section.cap,
            str(type_labels.get(section.branch_type, "")),
        ]
        section_items = list(section.items.all())
        if not section_items:
            sheet.append([safe_cell(cell) for cell in section_cells])
        for item in section_items:
            row = [
                *section_cells,
                item.title,
                None if section.is_list else item.points,
                _how(item),
                item.rule,
            ]
            sheet.append([safe_cell(cell) for cell in row])
    sheet.append([])
    sheet.append([safe_cell(_("Rating")), safe_cell(_("From"))])
    for rating, lowest in scheme.ratings:
        sheet.append([safe_cell(str(ratings.get(rating, rating))), _number(lowest)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(raw):
    """Points stored as text (JSON) as a number a spreadsheet sums."""
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return str(raw)
