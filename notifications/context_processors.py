"""What the site navigation needs on every page, in one query."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils.functional import SimpleLazyObject

from branches.models import Role
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


def _navigation(user) -> dict:
    member_ids = Member.objects.filter(user_id=OuterRef(OuterRef("pk"))).values("pk")
    unread = (
        Notification.objects.filter(
            Q(user_id=OuterRef("pk")) | Q(member_id__in=member_ids),
            read_at__isnull=True,
        )
        .order_by()
        # COUNT(*) as a plain function, so the subquery has no GROUP BY.
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            unread=Subquery(unread, output_field=IntegerField()),
            # The member tabs lead to pages of the branch's present: a former member has none.
            is_member=Exists(Member.objects.filter(user_id=OuterRef("pk"), state=Member.State.ACTIVE)),
            manages=Exists(Role.objects.filter(user_id=OuterRef("pk"))),
        )
        .first()
    ) or {"unread": 0, "is_member": False, "manages": False}
    row["manages"] = row["manages"] or user.is_superuser
    row["unread"] = row["unread"] or 0
    return row
