"""What the site navigation needs on every page: one query, or none when the page loaded the member's entry."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils.functional import SimpleLazyObject

from branches.models import Role
from branches.prepared import PreparedQuery
from members.access import annotate_own_member
from members.models import Member

from .models import Notification


def navigation(request) -> dict:
    """``nav.unread``, ``nav.is_member`` and ``nav.manages`` for the tab bar and the top bar.

    Lazy, so a response that renders no page (a download, a redirect) costs
    nothing; read once, so a template that shows the badge twice asks once.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: _navigation(user))}


def unread_of_own_member() -> Subquery:
    """The unread count as an expression over the person's own Member row (``members.access.own_member``)."""
    return _count(
        Notification.objects.filter(
            Q(user_id=OuterRef("user_id")) | Q(member_id=OuterRef("pk")),
            read_at__isnull=True,
        )
    )


annotate_own_member("nav_unread", unread_of_own_member)


def _count(notifications) -> Subquery:
    # COUNT(*) as a plain function, so the subquery has no GROUP BY.
    return Subquery(
        notifications.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n"),
        output_field=IntegerField(),
    )


def _navigation(user) -> dict:
    # A page that loaded the person's roster entry (every member page) read
    # the count and whether the login holds roles in that same query; the
    # navigation then asks nothing more.
    member = user.__dict__.get("_own_member")
    if member is not None and "nav_unread" in member.__dict__:
        return {
            "unread": member.nav_unread or 0,
            "is_member": member.state == Member.State.ACTIVE,
            "manages": member.holds_roles or user.is_superuser,
        }
    known_scope = getattr(user, "_access_scope", None)
    rows = _NAVIGATION.run(user.pk, key=known_scope is None)
    row = rows[0] if rows else {"unread": 0, "is_member": False}
    row["manages"] = (
        known_scope.manages_anything if known_scope is not None else row.get("manages") or user.is_superuser
    )
    row["unread"] = row["unread"] or 0
    return row


def _navigation_query(user_id: int, with_roles: bool):
    member_ids = Member.objects.filter(user_id=OuterRef(OuterRef("pk"))).values("pk")
    unread = _count(
        Notification.objects.filter(Q(user_id=OuterRef("pk")) | Q(member_id__in=member_ids), read_at__isnull=True)
    )
    values = {
        "unread": unread,
        # The member tabs lead to pages of the branch's present: a former member has none.
        "is_member": Exists(Member.objects.filter(user_id=OuterRef("pk"), state=Member.State.ACTIVE)),
    }
    if with_roles:
        values["manages"] = Exists(Role.objects.filter(user_id=OuterRef("pk")))
    return get_user_model().objects.filter(pk=user_id).values(**values).order_by()[:1]


# A page that does not load the person's entry (a manager's page) still asks on
# every request: compiled once per process, like the entry itself.
_NAVIGATION = PreparedQuery("navigation", _navigation_query)
