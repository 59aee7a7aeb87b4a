"""What happens on the roster that apps above ``members`` may act on.

``members`` must not import them; they connect a receiver in their
``AppConfig.ready()``, as they register home page sections.
"""

from django.dispatch import Signal

# Sent once a signup is approved and its login linked to the roster entry, after the commit.
# Arguments: signup (the SignupRequest), member (the Member it is linked to).
signup_approved = Signal()
