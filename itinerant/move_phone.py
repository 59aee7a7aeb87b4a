"""Proving a new number before it is reported: a code sent to the new number, kept in the session.

It is allauth's phone verification (its code format, its SMS text through
the adapter, its per-number rate limit ``verify_phone``, its attempt limit
and expiry), except that a correct code changes no login: it lets the
member's report be written, and the number reaches the roster and the login
only when the secretary confirms it. The code is bound to the number and
to the login that asked for it, so a code sent anywhere else (a login code
to the member's own number, a code for another number) never matches.
"""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.phone_verification import PhoneVerificationProcess
from allauth.account.internal.userkit import user_id_to_str
from allauth.core import ratelimit
from django.http import HttpRequest

SESSION_KEY = "itinerant_move_phone"


class NewNumberVerification(PhoneVerificationProcess):
    def __init__(self, request: HttpRequest, state: dict) -> None:
        self.request = request
        super().__init__(user=request.user, state=state)

    def persist(self) -> None:
        self.request.session[SESSION_KEY] = self.state

    def abort(self) -> None:
        self.request.session.pop(SESSION_KEY, None)

    def finish(self) -> None:
        # Nothing of the login changes here: the report carries the number to the secretary.
        self.abort()

    def send(self, skip_enumeration_sms: bool = False) -> None:
        """A fresh code to the number; raises allauth's ``RateLimited`` past the per-number limit."""
        ratelimit.consume(self.request, action="verify_phone", key=self.phone, raise_exception=True)
        adapter = get_adapter(self.request)
        self.state["code"] = adapter._generate_phone_verification_code_compat(user=self.user, phone=self.phone)
        adapter.send_verification_code_sms(user=self.user, phone=self.phone, code=self.code)
        self.persist()

    def resend(self) -> None:
        self.record_resend()
        self.send()

    @property
    def can_resend(self) -> bool:
        return not self.is_resend_quota_reached(account_settings.PHONE_VERIFICATION_MAX_RESEND_COUNT)

    @classmethod
    def start(cls, request: HttpRequest, phone: str) -> NewNumberVerification:
        """Send a code to ``phone`` for the logged-in member; any earlier verification is replaced."""
        process = cls(request, cls.initial_state(user=request.user, phone=phone))
        process.send()
        return process

    @classmethod
    def pending(cls, request: HttpRequest) -> tuple[NewNumberVerification | None, bool]:
        """The verification under way in this session, and whether one had expired (then it is dropped)."""
        state = request.session.get(SESSION_KEY)
        if not state or state.get("user_id") != user_id_to_str(request.user):
            return None, False
        process = cls(request, state)
        if not process.is_valid():
            process.abort()
            return None, True
        return process, False
