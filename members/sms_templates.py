"""The SMS template registry: every kind of text the site sends by SMS, with its named parameters.

Mainland providers deliver only texts built from a template they approved
(and a registered signature); the sender passes the template's code and the
values of its variables. Each kind here names those variables and carries
one translatable wording, from which the site renders its own copy of the
text (the development backends, the generic HTTP gateway, previews), so the
text people see and the provider's template are filled from the same values.

The provider's template code for each kind comes from ``settings.SMS_TEMPLATES``
(``{"verification_code": {"aliyun": "SMS_123", "tencent": "1234567"}, …}``).
Aliyun fills ``${name}`` variables by name; Tencent fills ``{1}``, ``{2}``, …
in the order the parameters are listed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from notifications.models import Notification

# Aliyun accepts at most 35 characters per variable; names and titles are
# cut well below that so the text stays one SMS.
PROVIDER_PARAM_LIMIT = 35
ELLIPSIS = "…"


class SMSTemplateError(ValueError):
    """A kind that is not registered, or values that do not fit its parameters."""


@dataclass(frozen=True)
class Param:
    name: str
    # None: never cut (a link or a code that cut would be useless).
    max_length: int | None = 20


@dataclass(frozen=True)
class SMSKind:
    name: str
    label: Promise
    params: tuple[Param, ...]
    wording: Promise
    # For kinds that are notices: the values, read from the notification.
    from_notification: Callable[[Notification], dict[str, Any]] | None = None

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)


def shorten(value: Any, max_length: int | None) -> str:
    """``value`` as text of at most ``max_length`` characters, cut with an ellipsis."""
    text = " ".join(str(value if value is not None else "").split())
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + ELLIPSIS


def _local_date(moment: dt.datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else timezone.localdate().isoformat()


def _message_params(notification: Notification) -> Mapping[str, Any]:
    stored = notification.message if isinstance(notification.message, Mapping) else {}
    params = stored.get("params")
    return params if isinstance(params, Mapping) else {}


def _reminder(notification: Notification) -> dict[str, Any]:
    params = _message_params(notification)
    return {
        "date": params.get("date") or _local_date(notification.created_at),
        "theme": params.get("theme") or notification.title,
    }


def _absent(notification: Notification) -> dict[str, Any]:
    return {"date": _message_params(notification).get("date") or _local_date(notification.created_at)}


def _greeting(notification: Notification) -> dict[str, Any]:
    member = notification.member
    return {"name": member.name if member is not None else ""}


def _dues_arrears(notification: Notification) -> dict[str, Any]:
    params = _message_params(notification)
    try:
        fen = int(params["amount_fen"])
        count = int(params["count"])
    except (KeyError, TypeError, ValueError):
        raise SMSTemplateError("the dues notice lacks the months and amount its SMS needs") from None
    return {"count": count, "amount": f"{fen // 100}.{fen % 100:02d}"}


def _activity_day(notification: Notification) -> dict[str, Any]:
    return {"theme": _message_params(notification).get("theme") or notification.title}


def _signup_approved(notification: Notification) -> dict[str, Any]:
    params = _message_params(notification)
    member = notification.member
    return {"branch": params.get("branch", ""), "name": params.get("name") or (member.name if member else "")}


def _title(notification: Notification) -> dict[str, Any]:
    return {"title": notification.title}


# The wording of every notice that has no SMS wording of its own: its title and a pointer to the site.
NOTICE_WORDING = _("New notice: %(title)s. Log in to netbranch to read it.")

KINDS: dict[str, SMSKind] = {
    kind.name: kind
    for kind in (
        # --- logging in and joining ---
        SMSKind(
            "verification_code",
            _("Verification code (login and phone verification)"),
            (Param("code", None),),
            _("Your verification code is %(code)s. Do not share it with anyone."),
        ),
        SMSKind(
            "unknown_account",
            _("Login code asked for a number without an account"),
            (),
            _(
                "A login code was requested for this number, but it has no account. "
                "If you are on a branch roster, activate your account first."
            ),
        ),
        SMSKind(
            "account_exists",
            _("Signup with a number that has an account"),
            (),
            _("Someone tried to sign up with this number, which already has an account."),
        ),
        SMSKind(
            "activation",
            _("Invitation to activate"),
            (Param("name", 15), Param("branch", 20), Param("url", None)),
            _("%(name)s, %(branch)s invites you to the online Party branch. Sign up with this phone number at %(url)s"),
        ),
        SMSKind(
            "signup_approved",
            _("Registration approved"),
            (Param("branch", 20), Param("name", 15)),
            _("Your registration with %(branch)s has been approved. Welcome, %(name)s!"),
            _signup_approved,
        ),
        SMSKind(
            "signup_rejected",
            _("Registration not approved"),
            (Param("branch", 20), Param("reason", 30)),
            _("Your registration with %(branch)s was not approved: %(reason)s"),
        ),
        # --- notices members receive ---
        SMSKind(
            "reminder",
            _("Activity day reminder"),
            (Param("date", 10), Param("theme", 20)),
            _("Activity day reminder: %(date)s, %(theme)s. Please take part on time."),
            _reminder,
        ),
        SMSKind(
            "absent",
            _("Missed activity day"),
            (Param("date", 10),),
            _("You missed the activity day of %(date)s. You can still do the make-up study on netbranch."),
            _absent,
        ),
        SMSKind(
            "greeting",
            _("Political birthday greeting"),
            (Param("name", 15),),
            _("Happy political birthday, %(name)s! Your branch thanks you for your years in the Party."),
            _greeting,
        ),
        SMSKind(
            "dues_arrears",
            _("Party dues outstanding"),
            (Param("count", 3), Param("amount", 12)),
            _("Your Party dues for %(count)s month(s) are not paid: %(amount)s yuan in all."),
            _dues_arrears,
        ),
        SMSKind(
            "activity_day",
            _("Activity day"),
            (Param("theme", 20),),
            _("Activity day: %(theme)s. Please check in on netbranch."),
            _activity_day,
        ),
        *(
            SMSKind(name, label, (Param("title", 20),), NOTICE_WORDING, _title)
            for name, label in (
                ("material", _("New study material")),
                ("leave", _("Leave decision")),
                ("report_reply", _("Answer to a report")),
                ("away_report", _("Report on life away due")),
                ("dues_payment", _("Dues payment decision")),
                ("dues_basis", _("Dues basis decision")),
                ("dues_publication", _("Dues publication")),
                ("evaluation", _("Democratic evaluation")),
                ("transfer", _("Transfer of membership")),
                ("move_report", _("Move report")),
            )
        ),
    )
}
# Texts sent outside the notices, by the login and the roster: always needed.
ACCOUNT_KINDS = (
    "verification_code",
    "unknown_account",
    "account_exists",
    "activation",
    "signup_approved",
    "signup_rejected",
)


def get_kind(name: str) -> SMSKind:
    try:
        return KINDS[name]
    except KeyError:
        raise SMSTemplateError(f"no SMS kind {name!r}") from None


def clean_params(name: str, params: Mapping[str, Any] | None) -> dict[str, str]:
    """The kind's parameters as short strings, in its order; a missing or unknown one is an error."""
    kind = get_kind(name)
    params = dict(params or {})
    missing = set(kind.param_names) - set(params)
    extra = set(params) - set(kind.param_names)
    if missing or extra:
        raise SMSTemplateError(
            f"SMS kind {name!r} takes {', '.join(kind.param_names) or 'no values'}; "
            f"missing {sorted(missing)}, unknown {sorted(extra)}"
        )
    return {param.name: shorten(params[param.name], param.max_length) for param in kind.params}


def render(name: str, params: Mapping[str, Any] | None) -> str:
    """The site's own text of the kind, in the active language, from the values the provider gets."""
    return str(get_kind(name).wording) % clean_params(name, params)


def notification_params(notification: Notification) -> dict[str, str]:
    """The values of a notice's SMS, read from the notification."""
    kind = get_kind(notification.kind)
    if kind.from_notification is None:
        raise SMSTemplateError(f"SMS kind {kind.name!r} is not a notice")
    return clean_params(kind.name, kind.from_notification(notification))


def template_code(name: str, provider: str) -> str:
    """The provider's code of the kind's template, or "" when none is configured."""
    entry = settings.SMS_TEMPLATES.get(name) if isinstance(settings.SMS_TEMPLATES, Mapping) else None
    code = entry.get(provider) if isinstance(entry, Mapping) else None
    return str(code).strip() if code else ""


def provider_wording(name: str, provider: str) -> str:
    """The kind's wording with the provider's placeholders, to register as the template's text."""
    kind = get_kind(name)
    if provider == "tencent":
        values = {param.name: f"{{{index}}}" for index, param in enumerate(kind.params, start=1)}
    else:
        values = {param.name: f"${{{param.name}}}" for param in kind.params}
    return str(kind.wording) % values


def required_kinds() -> list[str]:
    """The kinds the site may send with the current settings."""
    kinds = list(ACCOUNT_KINDS)
    kinds += [kind for kind in settings.NOTIFICATION_SMS_KINDS if kind not in kinds]
    return kinds


def configuration_problems(provider: str) -> list[str]:
    """What stops ``provider`` from sending every kind the settings ask for; empty when all is set."""
    problems = []
    for name in required_kinds():
        if name not in KINDS:
            problems.append(
                f"NOTIFICATION_SMS_KINDS names {name!r}, which has no SMS wording; "
                f"known kinds: {', '.join(sorted(KINDS))}"
            )
        elif not template_code(name, provider):
            problems.append(
                f'SMS_TEMPLATES has no {provider} template for "{name}" (add "{name}": {{"{provider}": "…"}})'
            )
    return problems
