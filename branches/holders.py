"""Who holds which roles on some organizations and on everything above them, read in one query.

The sweeps that tell "the branch's secretaries, or else the nearest managers
above" (transfers, committee terms) ask this for many organizations at once,
so the answer for each comes from one read of the roles along all their chains.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from .models import Organization, Role


class RoleHolders:
    def __init__(self, organizations: Iterable[Organization], kinds: Collection[str]) -> None:
        self._chains = {o.pk: [o.pk, *reversed(o.ancestor_ids())] for o in organizations if o is not None}
        ids = {pk for chain in self._chains.values() for pk in chain}
        self._held: dict[tuple[int, str], set[int]] = {}
        for organization_id, kind, user_id in Role.objects.filter(
            organization_id__in=ids, kind__in=list(kinds), user__is_active=True
        ).values_list("organization_id", "kind", "user_id"):
            self._held.setdefault((organization_id, kind), set()).add(user_id)

    def on(self, organization_id: int, kinds: Collection[str]) -> set[int]:
        """The active users holding one of ``kinds`` on the organization itself."""
        return set().union(*(self._held.get((organization_id, kind), ()) for kind in kinds))

    def nearest(self, organization: Organization, kinds: Collection[str], *, above: bool = False) -> set[int]:
        """Those of the organization, or else of the nearest one above with any (``above``: start at the parent)."""
        chain = self._chains[organization.pk][1:] if above else self._chains[organization.pk]
        return next((users for link in chain if (users := self.on(link, kinds))), set())
