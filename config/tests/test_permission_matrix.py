"""Who gets through which URL: a permission matrix generated from the URL resolver.

Every named pattern of ``config.urls`` needs a rule in ``RULES`` (or belongs
to a group, admin or allauth, with a rule of its own); a pattern without a
rule, or a rule without a pattern, fails the suite. Each rule is checked for
every persona against the objects of branch A (``matrix_objects``).

The rule (``branches.access``): anonymous visitors of login-required pages go
to the login page; a workspace page naming no object answers 403 to a login
whose roles grant its capability nowhere; a URL naming an object answers 404
to anyone outside the object's scope for the capability; a member's own pages
answer 404 to anyone but the member.
"""

from __future__ import annotations

import io
import re
import types
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from openpyxl import load_workbook

from activities.models import Report
from branches.access import Capability
from members.models import Member

from .matrix_objects import ABOVE_BRANCH, IN_BRANCH, IN_GROUP, build_world

THIS_FILE = "config/tests/test_permission_matrix.py"

pytestmark = pytest.mark.django_db

# --- The URL patterns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or "" for an unnamed pattern
    route: str
    converters: dict = field(default_factory=dict, compare=False)  # parameter -> converter class name

    @property
    def params(self) -> frozenset[str]:
        return frozenset(self.converters)

    @property
    def group(self) -> str | None:
        """Third-party patterns ruled as a whole by a prefix rule, or None for the project's own."""
        if self.name.startswith("admin:") or self.route.startswith("admin/"):
            return "admin"
        if self.route.startswith("accounts/"):
            return "allauth"
        return None


def collect_patterns(urlconf=None) -> list[Pattern]:
    """Every URL pattern under ``urlconf`` (the ROOT_URLCONF by default), includes followed."""
    found: list[Pattern] = []

    def walk(patterns, prefix: str, namespaces: tuple[str, ...], converters: dict) -> None:
        for entry in patterns:
            own = _converters(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
                walk(entry.url_patterns, prefix + str(entry.pattern), inner, converters | own)
            elif isinstance(entry, URLPattern):
                name = ":".join((*namespaces, entry.name)) if entry.name else ""
                found.append(Pattern(name, prefix + str(entry.pattern), converters | own))

    walk(get_resolver(urlconf).url_patterns, "", (), {})
    return found


def _converters(pattern) -> dict:
    names = dict.fromkeys(pattern.regex.groupindex, "regex")
    names.update({key: type(value).__name__ for key, value in getattr(pattern, "converters", {}).items()})
    return names


def project_patterns(urlconf=None) -> dict[str, Pattern]:
    return {p.name: p for p in collect_patterns(urlconf) if p.group is None}


# --- The rules ------------------------------------------------------------------------------

PUBLIC = "public"  # anyone, logged in or not
TOKEN = "token"  # anyone holding the operator's secret token; without it, 404 for everybody, logged in or not
LOGIN = "login"  # any login
WORKSPACE = "workspace"  # a manager's page naming no object: 403 without the capability anywhere
MANAGED = "managed"  # names an object: 404 outside the object's scope for the capability
MEMBER = "member"  # a member's own page that acts in the branch: an active roster entry
MEMBER_HISTORY = "member_history"  # a member's own past: former members too
OWN = "own"  # names an object of the member's own: the owners only
OWN_OR_MANAGED = "own_or_managed"  # the owners, and the managers with the capability over it


@dataclass(frozen=True)
class Rule:
    kind: str
    capability: Capability | None = None
    target: str | None = None  # an object of branch A (matrix_objects.World.targets) filling the path
    owners: tuple[str, ...] = ("member_a",)


def public() -> Rule:
    return Rule(PUBLIC)


def login() -> Rule:
    return Rule(LOGIN)


def public_with_token() -> Rule:
    return Rule(TOKEN)


def workspace(capability: Capability) -> Rule:
    return Rule(WORKSPACE, capability)


def managed(capability: Capability, target: str) -> Rule:
    return Rule(MANAGED, capability, target)


def member() -> Rule:
    return Rule(MEMBER)


def member_history() -> Rule:
    return Rule(MEMBER_HISTORY)


def own(target: str) -> Rule:
    return Rule(OWN, target=target)


def own_or_managed(capability: Capability, target: str) -> Rule:
    return Rule(OWN_OR_MANAGED, capability, target)


C = Capability

RULES: dict[str, Rule] = {
    # --- site ---
    "home": public(),
    "healthz": public(),
    "service_worker": public(),
    "offline": public(),
    "set_language": public(),
    "members:me": login(),
    # Takes no id: it unbinds the WeChat of whoever is logged in, and nobody else's.
    "members:wechat_unbind": login(),
    # Any role opens the workspace; every role kind manages a roster, so this is the same people.
    "workspace:home": workspace(C.MANAGE_ROSTER),
    # --- activities: the workspace ---
    "activities:list": workspace(C.MANAGE_ACTIVITIES),
    "activities:detail": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:edit": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:export": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:signin_sheet": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:manual_checkin": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:excuse": managed(C.MANAGE_ACTIVITIES, "activity"),
    "activities:stats": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    "activities:leave_decide": managed(C.DECIDE_LEAVE, "leave"),
    "activities:leaves": workspace(C.DECIDE_LEAVE),
    # --- meetings (三会一课) ---
    "meetings:list": workspace(C.MANAGE_ACTIVITIES),
    "meetings:plan": workspace(C.MANAGE_ACTIVITIES),
    "meetings:review_queue": workspace(C.MANAGE_ACTIVITIES),
    "meetings:attendees": managed(C.MANAGE_ACTIVITIES, "meeting"),
    "meetings:record": managed(C.MANAGE_ACTIVITIES, "meeting"),
    "meetings:submit": managed(C.MANAGE_ACTIVITIES, "meeting"),
    "meetings:review": managed(C.MANAGE_ACTIVITIES, "meeting_review"),
    "meetings:file": managed(C.MANAGE_ACTIVITIES, "meeting_file"),
    "meetings:file_delete": managed(C.MANAGE_ACTIVITIES, "meeting_spare_file"),
    "meetings:print_record": managed(C.MANAGE_ACTIVITIES, "meeting"),
    "meetings:ledger": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    # what is due and what was held; how often each kind is due
    "meetings:compliance_home": workspace(C.MANAGE_ACTIVITIES),
    "meetings:frequencies": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    "meetings:compliance_branch": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    "meetings:compliance": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    "meetings:compliance_export": managed(C.MANAGE_ACTIVITIES, "branch_a"),
    # The member's phone calendar: one meeting's .ics, the page that makes the feed's address.
    "meetings:ics": own("activity"),
    "meetings:calendar": member(),
    "meetings:calendar_reset": member(),
    # Read by calendar apps without a login: the token in the path is the key (a wrong one is a 404).
    "calendar:feed": Rule(PUBLIC, target="calendar_feed"),
    # --- activities: the member's side ---
    "activities:mine": member(),
    "activities:member_detail": own("activity"),
    "activities:checkin": own("activity"),
    "activities:leave": own("activity"),
    "activities:makeup": own("activity"),
    "activities:study": member(),
    "activities:material": own("delivery"),
    "activities:studied": own("delivery"),
    "activities:material_file": own("delivery"),
    # --- reports ---
    "reports:mine": member_history(),
    "reports:queue": workspace(C.ANSWER_REPORTS),
    "reports:detail": own_or_managed(C.ANSWER_REPORTS, "report"),
    "reports:attachment": own_or_managed(C.ANSWER_REPORTS, "report"),
    "reports:reply": managed(C.ANSWER_REPORTS, "report"),
    # --- roster import and export ---
    "roster_import:upload": workspace(C.IMPORT_ROSTER),
    "roster_import:template": workspace(C.IMPORT_ROSTER),
    # The masked export is the roster list as a file; only ?full=1 is the import's business.
    "roster_import:export": workspace(C.MANAGE_ROSTER),
    "roster_import:detail": managed(C.IMPORT_ROSTER, "roster_import"),
    "roster_import:confirm": managed(C.IMPORT_ROSTER, "roster_import"),
    "roster_import:status": managed(C.IMPORT_ROSTER, "roster_import"),
    # --- the roster ---
    "roster:list": workspace(C.MANAGE_ROSTER),
    "roster:add": workspace(C.MANAGE_ROSTER),
    # Printed with full numbers (?full=1) only under the full export's rule, like roster_import:export.
    "roster:print": workspace(C.MANAGE_ROSTER),
    "roster:distribution": workspace(C.MANAGE_ROSTER),
    "roster:silent": workspace(C.MANAGE_ROSTER),
    "roster:visits": workspace(C.SEE_HARDSHIP),
    "roster:activation_sms": workspace(C.MANAGE_ROSTER),
    "roster:detail": managed(C.MANAGE_ROSTER, "member"),
    "roster:reveal": managed(C.MANAGE_ROSTER, "member"),
    "roster:contact": managed(C.MANAGE_ROSTER, "member"),
    "roster:edit": managed(C.MANAGE_ROSTER, "member"),
    "roster:transfer": managed(C.MANAGE_ROSTER, "member"),
    "roster:move": managed(C.MANAGE_ROSTER, "member"),
    "roster:visit": managed(C.SEE_HARDSHIP, "member"),
    "roster:roles": workspace(C.MANAGE_ROLES),
    "roster:role_remove": managed(C.MANAGE_ROLES, "role"),
    "roster:signups": workspace(C.APPROVE_SIGNUPS),
    "roster:signup_approve": managed(C.APPROVE_SIGNUPS, "signup"),
    "roster:signup_create": managed(C.APPROVE_SIGNUPS, "signup"),
    "roster:signup_reject": managed(C.APPROVE_SIGNUPS, "signup"),
    "roster:invitations": workspace(C.APPROVE_SIGNUPS),
    "roster:invitation_revoke": managed(C.APPROVE_SIGNUPS, "invitation"),
    # --- notifications ---
    "notifications:inbox": login(),
    # A notice is its addressee's: a secretary does not read a member's inbox.
    "notifications:open": own("notification"),
    # Every login chooses its own channels here; managers also find their branches' settings.
    "notifications:channels": login(),
    "notifications:branch_channels": managed(C.MANAGE_CHANNELS, "branch_a"),
    "notifications:templates": managed(C.MANAGE_CHANNELS, "branch_a"),
    "notifications:wecom_ids": managed(C.MANAGE_CHANNELS, "branch_a"),
    "notifications:edit_template": managed(C.MANAGE_CHANNELS, "template"),
    "greetings:upcoming": workspace(C.MANAGE_ROSTER),
    # The SMS providers' delivery receipts (notifications.sms_receipts): the token is tested there.
    "sms_receipts:aliyun": public_with_token(),
    "sms_receipts:tencent": public_with_token(),
    "greetings:line": managed(C.MANAGE_ROSTER, "greeting_member"),
    "greetings:card": own_or_managed(C.MANAGE_ROSTER, "greeting"),
    "greetings:card_thumb": own_or_managed(C.MANAGE_ROSTER, "greeting"),
    # --- evaluations: the member's side ---
    # My results, and for a secretary their branch's own result: any login.
    "evaluations:mine": login(),
    "evaluations:assessment": own("assessment"),
    "evaluations:object": own("assessment"),
    # The members under the round's organization (bob is A's only active member here).
    "evaluations:publicity": own("evaluation"),
    "evaluations:evidence": own_or_managed(C.REVIEW_EVALUATIONS, "evidence"),
    # --- evaluations: the reviewers' workspace ---
    "evaluations:rounds": workspace(C.REVIEW_EVALUATIONS),
    "evaluations:open_round": workspace(C.REVIEW_EVALUATIONS),
    "evaluations:round": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:advance": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:rescore": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:round_status": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:objections": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:export": managed(C.REVIEW_EVALUATIONS, "evaluation"),
    "evaluations:score_rest": managed(C.REVIEW_EVALUATIONS, "evaluation_item"),
    "evaluations:resolve_objection": managed(C.REVIEW_EVALUATIONS, "objection"),
    "evaluations:review": managed(C.REVIEW_EVALUATIONS, "assessment"),
    "evaluations:score_item": managed(C.REVIEW_EVALUATIONS, "assessment_item"),
    "evaluations:schemes": workspace(C.REVIEW_EVALUATIONS),
    "evaluations:copy_scheme": workspace(C.REVIEW_EVALUATIONS),
    "evaluations:branch_chart": workspace(C.REVIEW_EVALUATIONS),
    "evaluations:scheme": managed(C.REVIEW_EVALUATIONS, "scheme"),
    "evaluations:scheme_edit": managed(C.REVIEW_EVALUATIONS, "scheme"),
    "evaluations:scheme_add_section": managed(C.REVIEW_EVALUATIONS, "scheme"),
    "evaluations:scheme_section": managed(C.REVIEW_EVALUATIONS, "section"),
    "evaluations:scheme_delete_section": managed(C.REVIEW_EVALUATIONS, "section"),
    "evaluations:scheme_add_item": managed(C.REVIEW_EVALUATIONS, "section"),
    "evaluations:scheme_item": managed(C.REVIEW_EVALUATIONS, "item"),
    "evaluations:scheme_delete_item": managed(C.REVIEW_EVALUATIONS, "item"),
    # Dues: the secretary's ledger.
    "dues:ledger": managed(C.RECORD_DUES, "branch_a"),
    "dues:member": managed(C.RECORD_DUES, "dues_member"),
    "dues:set_basis": managed(C.RECORD_DUES, "dues_member"),
    "dues:add_relief": managed(C.RECORD_DUES, "dues_member"),
    "dues:record_payment": managed(C.RECORD_DUES, "dues_member"),
    "dues:queue": workspace(C.RECORD_DUES),
    "dues:arrears": workspace(C.RECORD_DUES),
    "dues:decide_payment": managed(C.RECORD_DUES, "dues_payment"),
    "dues:decide_basis": managed(C.RECORD_DUES, "dues_basis"),
    # The member sees their own receipt here too; the secretaries of their branch to confirm it.
    "dues:receipt": own_or_managed(C.RECORD_DUES, "dues_payment"),
    # Dues: the member's own ledger.
    # Reading one's ledger and receipts is one's own past; reporting and declaring act in the branch.
    "dues:mine": member_history(),
    "dues:report": member(),
    "dues:declare": member(),
    "dues:my_receipt": own("dues_payment"),
    # Dues: the committee's totals and the half-year publication.
    # Itinerant: moves reported by members.
    # Reading one's reports is one's own past; reporting and withdrawing act in the branch.
    "itinerant:my_moves": member_history(),
    "itinerant:report_move": member(),
    "itinerant:verify_phone": member(),
    "itinerant:withdraw_move": own("move_report"),
    "itinerant:move_queue": workspace(C.MANAGE_ROSTER),
    "itinerant:decide_move": managed(C.MANAGE_ROSTER, "move_report"),
    # Itinerant: transfers of the Party relationship.
    # The sending side: outgoing transfers of the branch, from the request on (dave's, to an outside name).
    "itinerant:transfers": workspace(C.APPROVE_TRANSFERS),
    "itinerant:register_incoming": workspace(C.APPROVE_TRANSFERS),
    "itinerant:start_transfer": managed(C.APPROVE_TRANSFERS, "member"),
    "itinerant:transfer": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:letter": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:transfer_approve": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:transfer_refuse": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:transfer_issue": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:transfer_receipt": managed(C.APPROVE_TRANSFERS, "transfer"),
    "itinerant:transfer_cancel": managed(C.APPROVE_TRANSFERS, "transfer"),
    # The receiving side: charlie's letter from branch B to branch A; B, the sender, is not the receiver.
    "itinerant:incoming": managed(C.APPROVE_TRANSFERS, "incoming_transfer"),
    "itinerant:incoming_accept": managed(C.APPROVE_TRANSFERS, "incoming_transfer"),
    "itinerant:incoming_refuse": managed(C.APPROVE_TRANSFERS, "incoming_transfer"),
    # One's transfers are one's own past (a member transferred out reads them); asking acts in the branch.
    "itinerant:my_transfers": member_history(),
    "itinerant:request_transfer": member(),
    # Itinerant: permits and the six-month warnings.
    # Permits and warnings are the branch's roster keepers' (a group leader's list is empty, its objects 404);
    # a member never reaches them, not even their own.
    "itinerant:permits": workspace(C.MANAGE_ROSTER),
    "itinerant:add_permit": managed(C.MANAGE_ROSTER, "permit_member"),
    "itinerant:permit": managed(C.MANAGE_ROSTER, "permit"),
    "itinerant:warnings": workspace(C.MANAGE_ROSTER),
    "itinerant:resolve_warning": managed(C.MANAGE_ROSTER, "life_warning"),
    # A proposed transfer is for those who can start one.
    "itinerant:proposals": workspace(C.APPROVE_TRANSFERS),
    "itinerant:dismiss_proposal": managed(C.APPROVE_TRANSFERS, "transfer_proposal"),
    "dues:totals": workspace(C.RECORD_DUES),
    "dues:totals_xlsx": workspace(C.RECORD_DUES),
    "dues:publish": managed(C.RECORD_DUES, "branch_a"),
    # A member's list of their branch's publications; managers find them on the publishing page.
    "dues:publications": member(),
    # The branch's active members (bob) and those who keep its dues.
    "dues:publication": own_or_managed(C.RECORD_DUES, "dues_publication"),
    # --- the branch committee: kept by those who give roles, the branch's secretaries and above ---
    "committees:overview": workspace(C.MANAGE_ROLES),
    "committees:branch": managed(C.MANAGE_ROLES, "branch_a"),
    "committees:add_post": managed(C.MANAGE_ROLES, "branch_a"),
    "committees:record_election": managed(C.MANAGE_ROLES, "branch_a"),
    "committees:edit_post": managed(C.MANAGE_ROLES, "committee_post"),
    "committees:end_post": managed(C.MANAGE_ROLES, "committee_post"),
    "committees:grant_role": managed(C.MANAGE_ROLES, "committee_post"),
}

# --- Who may do what where, written down apart from the code under test -------------------

PERSONAS = (
    "anonymous",
    "member_a",
    "member_b",
    "secretary_a",
    "secretary_b",
    "group_leader",
    "committee_secretary",
    "former_a",
)
ACTIVE_MEMBERS = frozenset({"member_a", "member_b"})
FORMER_MEMBERS = frozenset({"former_a"})

EVERYTHING = frozenset(Capability)
GROUP_LEADING = frozenset(
    {
        C.MANAGE_ROSTER,
        C.MANAGE_ACTIVITIES,
        C.DECIDE_LEAVE,
        C.ANSWER_REPORTS,
        C.MANAGE_CHANNELS,
        C.REVIEW_EVALUATIONS,
    }
)
# persona -> (where their role is held, what it grants there)
GRANTS = {
    "secretary_a": ("branch_a", EVERYTHING),
    "secretary_b": ("branch_b", EVERYTHING),
    "committee_secretary": ("committee", EVERYTHING),
    "group_leader": ("group_a", GROUP_LEADING),
}
# Where an object lives -> the places whose roles cover it.
COVERED_BY = {
    IN_GROUP: {"group_a", "branch_a", "committee"},
    IN_BRANCH: {"branch_a", "committee"},
    ABOVE_BRANCH: {"committee"},
}

THROUGH, TO_LOGIN, DENIED, NOT_FOUND = "through", "login", "403", "404"


def has_anywhere(persona: str, capability: Capability) -> bool:
    grant = GRANTS.get(persona)
    return grant is not None and capability in grant[1]


def has_over(persona: str, capability: Capability, scope: str) -> bool:
    grant = GRANTS.get(persona)
    return grant is not None and capability in grant[1] and grant[0] in COVERED_BY[scope]


def expected(rule: Rule, persona: str, scope: str | None) -> str:
    if rule.kind == PUBLIC:
        return THROUGH
    if rule.kind == TOKEN:
        return NOT_FOUND
    if persona == "anonymous":
        return TO_LOGIN
    if rule.kind == LOGIN:
        return THROUGH
    if rule.kind == WORKSPACE:
        return THROUGH if has_anywhere(persona, rule.capability) else DENIED
    if rule.kind == MEMBER:
        return THROUGH if persona in ACTIVE_MEMBERS else NOT_FOUND
    if rule.kind == MEMBER_HISTORY:
        return THROUGH if persona in ACTIVE_MEMBERS | FORMER_MEMBERS else NOT_FOUND
    owner = persona in rule.owners
    if rule.kind == OWN:
        return THROUGH if owner else NOT_FOUND
    manager = has_over(persona, rule.capability, scope)
    if rule.kind == MANAGED:
        return THROUGH if manager else NOT_FOUND
    if rule.kind == OWN_OR_MANAGED:
        return THROUGH if owner or manager else NOT_FOUND
    raise AssertionError(f"unknown rule kind {rule.kind!r}")


# --- The world, built once for the module -------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Personas and objects, kept for the module in a transaction that is rolled back after it;
    each test runs in a savepoint of its own inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def outcome(response, login_path: str) -> str:
    if response.status_code in (301, 302, 303, 307, 308) and urlsplit(response["Location"]).path == login_path:
        return TO_LOGIN
    if response.status_code in (401, 403, 404, 405, 500):
        return str(response.status_code)
    return THROUGH


def visit(client, url: str) -> tuple[str, object]:
    """GET, or for a view that answers GET with 405, POST with no data."""
    response = client.get(url)
    if response.status_code == 405:
        return "POST", client.post(url)
    return "GET", response


def client_for(client, world, persona: str):
    user = world.personas[persona]
    if user is not None:
        client.force_login(user)
    return client


def check(client, world, name: str, rule: Rule, persona: str, target: str | None = None) -> None:
    target = target or rule.target
    kwargs, scope = {}, None
    if target is not None:
        kwargs, scope = world.targets[target].kwargs, world.targets[target].scope
    url = reverse(name, kwargs=kwargs)
    method, response = visit(client_for(client, world, persona), url)
    want = expected(rule, persona, scope)
    got = outcome(response, reverse("account_login"))
    assert got == want, (
        f"{name} ({rule.kind}{f', {rule.capability}' if rule.capability else ''}) as {persona}: "
        f"expected {want}, got {got} (status {response.status_code}) for {method} {url}"
    )


# --- The matrix -----------------------------------------------------------------------------

PATTERNS = project_patterns()


def missing_rules(patterns: dict[str, Pattern]) -> list[str]:
    problems = []
    for name, pattern in sorted(patterns.items()):
        if not name:
            problems.append(f"the pattern {pattern.route!r} has no name: name it, then add a rule for it")
        elif name not in RULES:
            problems.append(f"add a rule for {name} ({pattern.route}) to RULES in {THIS_FILE}")
    return problems


def stale_rules(patterns: dict[str, Pattern]) -> list[str]:
    return [f"RULES names {name}, which no URL pattern has: remove it" for name in sorted(set(RULES) - set(patterns))]


def test_every_url_pattern_has_a_rule_and_every_rule_a_pattern():
    problems = missing_rules(PATTERNS) + stale_rules(PATTERNS)
    assert not problems, "\n".join(problems)


def test_every_rule_fills_exactly_its_patterns_parameters(world):
    problems = []
    for name, pattern in sorted(PATTERNS.items()):
        rule = RULES.get(name)
        if rule is None:
            continue
        given = set(world.targets[rule.target].kwargs) if rule.target else set()
        if given != set(pattern.params):
            problems.append(
                f"{name} takes {sorted(pattern.params)} but its rule's object {rule.target!r} gives {sorted(given)}"
            )
        if rule.kind in (MANAGED, OWN, OWN_OR_MANAGED) and rule.target is None:
            problems.append(f"{name}: a {rule.kind} rule needs the object that fills its path")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_matrix(client, world, name, persona):
    rule = RULES.get(name)
    if rule is None:
        pytest.fail(f"add a rule for {name} to RULES in {THIS_FILE}")
    check(client, world, name, rule, persona)


# Rows the matrix's one object per URL cannot show: objects elsewhere in branch A, and a former member's own past.
EXTRA_ROWS = [
    ("roster:detail", "group_leader", "member_outside_group"),
    ("roster:edit", "group_leader", "member_outside_group"),
    ("roster:contact", "group_leader", "member_outside_group"),
    ("greetings:line", "group_leader", "greeting_member_outside_group"),
    ("roster:detail", "secretary_a", "member_outside_group"),
    ("notifications:branch_channels", "group_leader", "group_a"),
    ("notifications:branch_channels", "secretary_a", "group_a"),
    ("notifications:templates", "group_leader", "group_a"),
    ("reports:detail", "former_a", "former_report"),
    ("evaluations:assessment", "former_a", "former_assessment"),
    ("evaluations:object", "former_a", "former_assessment"),
]
OWNED_BY_FORMER = {"former_report": ("former_a",), "former_assessment": ("former_a",)}


@pytest.mark.parametrize(("name", "persona", "target"), EXTRA_ROWS, ids=["-".join(row) for row in EXTRA_ROWS])
def test_extra_rows(client, world, name, persona, target):
    rule = RULES[name]
    if target in OWNED_BY_FORMER:
        rule = Rule(rule.kind, rule.capability, target, owners=OWNED_BY_FORMER[target])
        if name == "evaluations:object":
            # Objecting acts in the branch: a former member reads their result but objects no more.
            rule = Rule(MEMBER, target=target)
    check(client, world, name, rule, persona, target)


# --- The third-party groups ------------------------------------------------------------------

GROUP_PERSONAS = (*PERSONAS, "superuser")


def _fill(pattern: Pattern) -> str:
    """A URL for a pattern of a group, with real objects where the admin shows one."""
    parts = pattern.route.split("/")
    model = None
    if pattern.group == "admin" and len(parts) > 3:
        try:
            model = apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            model = None
    values = {}
    for param in pattern.params:
        if param in ("object_id", "id"):
            first = model.objects.order_by("pk").first() if model is not None else None
            values[param] = str(first.pk) if first is not None else "1"
        elif param == "content_type_id":
            values[param] = str(ContentType.objects.get_for_model(Member).pk)
        elif param == "app_label":
            values[param] = "members"
        elif param == "uidb36":
            values[param] = "1"
        else:
            values[param] = "matrix-key"
    if pattern.name:
        return reverse(pattern.name, kwargs=values)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], pattern.route)
    return "/" + route


def group_expected(pattern: Pattern, persona: str, user) -> set[str]:
    if pattern.name == "socialaccount_login_error":
        # allauth's "third-party login failed" page answers 401 to everybody, by design; the
        # WeChat flow itself sends a failed login back to the login page (members.social.adapter).
        return {"401"}
    if pattern.group == "allauth":
        # allauth runs its own flow (some of its pages send anonymous visitors to the login):
        # nothing of it is refused or missing, for anyone.
        return {THROUGH, TO_LOGIN}
    if user is not None and user.is_superuser:
        # Past the login the admin answers as it likes (a read-only model refuses "add" with 403,
        # a missing object sends to the index); it never sends the superuser to a login.
        return {THROUGH, "admin-index", DENIED, NOT_FOUND, "405"}
    if pattern.name == "admin:login":
        return {THROUGH}
    if pattern.name == "admin:logout":
        return {"admin-index"}
    return {"admin-login"}


def group_outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        where = urlsplit(response["Location"]).path
        if where == reverse("admin:login"):
            return "admin-login"
        if where == reverse("admin:index"):
            return "admin-index"
    return outcome(response, reverse("account_login"))


GROUPS = {
    "admin": "anonymous visitors and logins without staff status go to the admin's login; the superuser does not",
    "allauth": "public: allauth's own pages answer everybody",
}


@pytest.mark.parametrize("persona", GROUP_PERSONAS)
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_group(client, world, group, persona):
    patterns = [p for p in collect_patterns() if p.group == group]
    assert patterns, f"no pattern of the {group} group: is it still included in config.urls?"
    user = world.personas[persona]
    client_for(client, world, persona)
    problems = []
    for pattern in patterns:
        url = _fill(pattern)
        method, response = visit(client, url)
        got = group_outcome(response)
        want = group_expected(pattern, persona, user)
        if got not in want:
            problems.append(f"{pattern.name or pattern.route}: {method} {url} gave {response.status_code} ({got})")
        if user is not None and "_auth_user_id" not in client.session:
            client.force_login(user)  # the logout pages log out
    assert not problems, f"{group} ({GROUPS[group]}) as {persona}:\n" + "\n".join(problems)


# --- The generator catches what is new ------------------------------------------------------


def _dummy_view(request):
    raise AssertionError("never called")


def test_a_new_pattern_without_a_rule_is_reported_by_name():
    urlconf = types.ModuleType("matrix_extended_urls")
    urlconf.urlpatterns = [
        *get_resolver("config.urls").url_patterns,
        path("matrix-dummy/<int:pk>/", _dummy_view, name="matrix_dummy"),
        path("matrix-ns/", include(([path("thing/", _dummy_view, name="thing")], "matrix_ns"))),
    ]
    with override_settings(ROOT_URLCONF=urlconf):
        patterns = project_patterns()
    assert patterns["matrix_dummy"].params == {"pk"}
    problems = missing_rules(patterns)
    assert problems == [
        f"add a rule for matrix_dummy (matrix-dummy/<int:pk>/) to RULES in {THIS_FILE}",
        f"add a rule for matrix_ns:thing (matrix-ns/thing/) to RULES in {THIS_FILE}",
    ]
    assert not stale_rules(patterns)


def test_a_rule_whose_pattern_is_gone_is_reported():
    urlconf = types.ModuleType("matrix_reduced_urls")
    urlconf.urlpatterns = [p for p in get_resolver("config.urls").url_patterns if getattr(p, "name", None) != "home"]
    with override_settings(ROOT_URLCONF=urlconf):
        patterns = project_patterns()
    assert stale_rules(patterns) == ["RULES names home, which no URL pattern has: remove it"]


# --- Defects named by the rule ---------------------------------------------------------------


def test_a_transferred_out_member_hands_in_no_report(client, world):
    former = world.members["former"]
    client.force_login(former.user)
    before = Report.objects.filter(member=former).count()
    response = client.post(reverse("reports:mine"), {"kind": "thought", "title": "still here", "body": "text"})
    assert response.status_code == 404
    assert Report.objects.filter(member=former).count() == before


def _form_fields(response) -> set[str]:
    return set(re.findall(r'name="([\w-]+)"', response.content.decode()))


def test_the_group_leader_gets_no_hardship_fields_when_editing_a_member_of_their_group(client, world):
    url = reverse("roster:edit", kwargs=world.targets["member"].kwargs)
    client.force_login(world.personas["secretary_a"])
    assert {"in_hardship", "hardship_note"} <= _form_fields(client.get(url))
    client.force_login(world.personas["group_leader"])
    response = client.get(url)
    assert response.status_code == 200
    assert not {"in_hardship", "hardship_note"} & _form_fields(response)


def test_the_group_leader_cannot_narrow_the_roster_by_hardship(client, world):
    bob, carol = world.members["bob"].name, world.members["carol"].name
    url = reverse("roster:list")
    client.force_login(world.personas["secretary_a"])
    assert bob not in client.get(url, {"hardship": "yes"}).content.decode()
    client.force_login(world.personas["group_leader"])
    for value in ("yes", "no", "1", "0"):
        page = client.get(url, {"hardship": value}).content.decode()
        assert bob in page
        assert carol in page, f"?hardship={value} tells the group leader who is in hardship"


def _sheet(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def test_the_group_leaders_roster_export_has_no_hardship_column_and_no_hardship_filter(client, world):
    client.force_login(world.personas["group_leader"])
    url = reverse("roster_import:export")
    response = client.get(url)
    assert response.status_code == 200
    rows = _sheet(response)
    headers = [str(cell or "") for cell in rows[0]]
    assert not [h for h in headers if "困难" in h or "hardship" in h.lower()], headers
    assert world.members["carol"].hardship_note not in repr(rows)
    for value in ("yes", "no"):
        assert _sheet(client.get(url, {"hardship": value})) == rows, f"?hardship={value} narrows the export"
