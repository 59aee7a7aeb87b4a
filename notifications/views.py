from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from .models import Notification
from .services import inbox_for, mark_read


def get_notification_for_user(user, pk: int) -> Notification:
    """One of the user's own notices, or 404: nobody learns of another person's inbox."""
    notification = inbox_for(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notice")
    return notification


@login_required
@require_safe
def inbox(request):
    page = Paginator(inbox_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_safe
def open_notification(request, pk: int):
    notification = get_notification_for_user(request.user, pk)
    was_unread = mark_read(notification)
    # Links are written by our own code; still, only a local path becomes a button.
    link = notification.url
    if link and not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        link = ""
    return render(
        request,
        "notifications/detail.html",
        {"notification": notification, "link": link, "was_unread": was_unread},
    )
