"""The shipped indicator sets are consistent data (no database needed)."""

import itertools
from decimal import Decimal

import pytest

from evaluations.charts import scheme_maxima
from evaluations.library import BASTION, SCHEMES, SIX_GOOD, SIX_SOLID, VANGUARD

MEMBER_RULES = {"attendance", "study", "reports", "contact"}
BRANCH_RULES = {"branch_activities", "branch_attendance", "branch_study", "branch_reports", "branch_visits"}
BRANCH_TYPES = {
    "village",
    "community",
    "office",
    "institution",
    "state_enterprise",
    "private_enterprise",
    "social_organization",
}
KINDS = {"basic", "bonus", "deduction", "veto", "reverse"}

ALL = pytest.mark.parametrize("spec", list(SCHEMES.values()), ids=list(SCHEMES))


def _sections(spec, kind):
    return [section for section in spec.sections if section.kind == kind]


def _items(spec, kind, typed=False):
    return [item for section in _sections(spec, kind) if bool(section.branch_type) == typed for item in section.items]


def test_schemes_registry():
    assert list(SCHEMES) == ["vanguard", "bastion", "six_good", "six_solid"]
    assert SCHEMES["vanguard"] is VANGUARD
    assert SCHEMES["bastion"] is BASTION
    assert {spec.subject for spec in (VANGUARD, SIX_GOOD)} == {"member"}
    assert {spec.subject for spec in (BASTION, SIX_SOLID)} == {"branch"}


@pytest.mark.parametrize("spec", [VANGUARD, SIX_GOOD, SIX_SOLID], ids=lambda spec: spec.key)
def test_max_total_is_100(spec):
    # The same function the scheme page and the chart use on a copied scheme's rows.
    assert scheme_maxima(spec.sections) == [("", Decimal("100"))]


def test_bastion_reaches_100_for_every_branch_type_and_only_with_one():
    assert dict(scheme_maxima(BASTION.sections)) == dict.fromkeys(BRANCH_TYPES, Decimal("100"))


@ALL
def test_section_points_fit_caps(spec):
    for section in spec.sections:
        assert section.kind in KINDS
        assert section.items, section.title
        points = sum((item.points for item in section.items), Decimal("0"))
        if section.kind == "basic":
            assert points == section.cap, section.title
        elif section.kind in ("bonus", "deduction"):
            assert section.cap > 0
            assert points >= section.cap, section.title
        else:
            assert section.cap == 0
            assert points == 0, section.title
        for item in section.items:
            assert isinstance(item.points, Decimal)
            assert item.points >= 0
            assert item.title.strip()


@ALL
def test_veto_for_members_reverse_for_branches(spec):
    kinds = {section.kind for section in spec.sections}
    if spec.subject == "member":
        assert "veto" in kinds
        assert "reverse" not in kinds
    else:
        assert "reverse" in kinds
        assert "veto" not in kinds
        assert not {"bonus", "deduction"} & kinds


def test_vanguard_shape():
    basic = _sections(VANGUARD, "basic")
    assert len(basic) == 4
    assert sum(len(section.items) for section in basic) == 18
    assert sum(section.cap for section in basic) == Decimal("60")
    assert len(_items(VANGUARD, "bonus")) == 6
    assert len(_items(VANGUARD, "deduction")) == 6
    assert [section.cap for section in _sections(VANGUARD, "bonus")] == [Decimal("20")]
    assert [section.cap for section in _sections(VANGUARD, "deduction")] == [Decimal("20")]
    assert _items(VANGUARD, "veto")
    automatic = sorted(item.method for section in basic for item in section.items if item.method != "manual")
    assert automatic == sorted(MEMBER_RULES)
    assert all(item.method == "manual" for kind in ("bonus", "deduction", "veto") for item in _items(VANGUARD, kind))


def test_bastion_shape():
    common = [section for section in _sections(BASTION, "basic") if not section.branch_type]
    assert sum(len(section.items) for section in common) == 16
    assert sum(section.cap for section in common) == Decimal("60")
    automatic = sorted(item.method for section in common for item in section.items if item.method != "manual")
    assert automatic == sorted(BRANCH_RULES)
    typed = [section for section in BASTION.sections if section.branch_type]
    assert len(typed) == 7
    assert {section.branch_type for section in typed} == BRANCH_TYPES
    for section in typed:
        assert section.kind == "basic"
        assert section.cap == Decimal("40")
        assert 3 <= len(section.items) <= 5
        assert all(item.method == "manual" for item in section.items)
    assert len(_items(BASTION, "reverse")) == 6


def test_six_good_shape():
    basic = _sections(SIX_GOOD, "basic")
    assert len(basic) == 6
    methods = {item.method for section in basic for item in section.items}
    assert methods >= MEMBER_RULES
    assert 3 <= len(_items(SIX_GOOD, "veto")) <= 4


def test_six_solid_shape():
    basic = _sections(SIX_SOLID, "basic")
    assert len(basic) == 6
    assert not any(section.branch_type for section in SIX_SOLID.sections)
    methods = {item.method for section in basic for item in section.items}
    assert methods >= {"branch_activities", "branch_attendance", "branch_study", "branch_visits"}
    assert 3 <= len(_items(SIX_SOLID, "reverse")) <= 4


@ALL
def test_methods_match_subject(spec):
    allowed = MEMBER_RULES if spec.subject == "member" else BRANCH_RULES
    for section in spec.sections:
        for item in section.items:
            assert item.method == "manual" or item.method in allowed, (spec.key, item.title, item.method)


@ALL
def test_every_item_has_a_rule_text(spec):
    for section in spec.sections:
        for item in section.items:
            assert item.rule.strip(), (spec.key, item.title)
            if item.method != "manual":
                assert "自动" in item.rule, (spec.key, item.title)


@ALL
def test_ratings_strictly_descending_to_zero(spec):
    names = [name for name, _ in spec.ratings]
    mins = [minimum for _, minimum in spec.ratings]
    assert len(set(names)) == len(names)
    assert all(isinstance(minimum, Decimal) for minimum in mins)
    assert all(a > b for a, b in itertools.pairwise(mins))
    assert mins[-1] == 0
    expected = ["excellent", "qualified", "basically_qualified", "unqualified"]
    assert names == (expected if spec.subject == "member" else ["advanced", "qualified", "lagging"])
    assert spec.publicity_days == 5
    assert spec.description.strip()


@ALL
def test_titles_unique(spec):
    section_titles = [section.title for section in spec.sections]
    assert len(set(section_titles)) == len(section_titles)
    for section in spec.sections:
        item_titles = [item.title for item in section.items]
        assert len(set(item_titles)) == len(item_titles), section.title


def test_keys_unique():
    keys = [spec.key for spec in SCHEMES.values()]
    assert len(set(keys)) == len(keys) == 4
    assert all(key == spec.key for key, spec in SCHEMES.items())
