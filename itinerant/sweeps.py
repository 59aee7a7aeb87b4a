"""The itinerant flows' sweeps, found by the project's autodiscovery of modules named ``sweeps``."""

from . import permit_sweeps, transfer_sweeps  # noqa: F401
