"""Login stages, kept apart from the adapter: allauth's stages module imports
parts of allauth that import the adapter, so loading it from the adapter module
is a circular import whenever the adapter happens to be loaded first (e.g. by
the worker's start-up checks)."""

from allauth.account import stages
from allauth.core.ratelimit import RateLimited, respond_429


class PhoneVerificationStage(stages.PhoneVerificationStage):
    """allauth's stage, answering 429 when the verification SMS is rate limited.

    Entering the stage sends an SMS, and allauth lets the rate limit's
    exception escape from there (a server error) instead of answering 429.
    """

    def handle(self):
        try:
            return super().handle()
        except RateLimited:
            return respond_429(self.request), False
