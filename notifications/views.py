from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.access import forget_own_member, own_member

from .access import get_managed_channel_organization, get_own_notification, managed_channel_organizations
from .forms import BranchChannelsForm, MemberChannelsForm, MessageTemplateForm
from .models import BranchChannels, MemberChannels, MessageTemplate
from .services import KIND_PLACEHOLDERS, TEMPLATE_KINDS, Notice, inbox_for, mark_read, render_notice, with_templates
from .transports import mask_webhook


@login_required
@require_safe
def inbox(request):
    # Each notice is worded in the reader's language, with their branch's template for it.
    page = Paginator(with_templates(inbox_for(request.user)), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_safe
def open_notification(request, pk: int):
    notification = get_own_notification(request.user, pk)
    was_unread = mark_read(notification)
    if was_unread:
        # The entry loaded with the notice counted it unread; the badge asks again.
        forget_own_member(request.user)
    # Links are written by our own code; still, only a local path becomes a button.
    link = notification.url
    if link and not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        link = ""
    return render(
        request,
        "notifications/detail.html",
        {"notification": notification, "link": link, "was_unread": was_unread},
    )


# --- channels -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def channels(request):
    """A member turns SMS and email on or off; the inbox always receives. Secretaries find their branches here."""
    # Channels say how notices reach the person, not what they do in a branch;
    # notices of their own past can still reach a transferred-out member.
    member = own_member(request.user, include_former=True)
    form = None
    if member is not None:
        instance = MemberChannels.objects.filter(member=member).first() or MemberChannels(member=member)
        form = MemberChannelsForm(request.POST if request.method == "POST" else None, instance=instance)
        if form.is_bound and form.is_valid():
            form.save()
            messages.success(request, _("Your channels are saved."))
            return redirect("notifications:channels")
    elif request.method == "POST":
        raise Http404("No roster entry")
    branches = list(managed_channel_organizations(request.user).order_by("path")[:100])
    return render(request, "notifications/channels.html", {"form": form, "branches": branches})


@login_required
@require_http_methods(["GET", "POST"])
def branch_channels(request, pk: int):
    """Quiet hours, SMS and email switches and the WeCom robot of one branch or group."""
    organization = get_managed_channel_organization(request.user, pk)
    instance = BranchChannels.objects.filter(organization=organization).first() or BranchChannels(
        organization=organization
    )
    form = BranchChannelsForm(request.POST if request.method == "POST" else None, instance=instance)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _("The channels of %(name)s are saved.") % {"name": organization.name})
        return redirect("notifications:branch_channels", pk=organization.pk)
    return render(
        request,
        "notifications/branch_channels.html",
        {"organization": organization, "form": form, "webhook": mask_webhook(instance.wecom_webhook)},
    )


# --- message templates -----------------------------------------------------------------------


@login_required
@require_safe
def templates(request, pk: int):
    """Each kind of notice with the branch's own wording, the site-wide one, or the built-in text."""
    organization = get_managed_channel_organization(request.user, pk)
    saved = {
        (t.organization_id, t.kind, t.language): t
        for t in MessageTemplate.objects.filter(
            Q(organization=organization) | Q(organization__isnull=True), kind__in=TEMPLATE_KINDS
        )
    }
    rows = [
        {
            "kind": kind,
            "label": label,
            "languages": [
                {
                    "code": code,
                    "name": name,
                    "own": (organization.pk, kind, code) in saved,
                    "site": (None, kind, code) in saved,
                }
                for code, name in settings.LANGUAGES
            ],
        }
        for kind, label in TEMPLATE_KINDS.items()
    ]
    return render(request, "notifications/templates.html", {"organization": organization, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def edit_template(request, pk: int, kind: str, language: str):
    """Word one kind of notice in one language; "preview" renders it without saving, "delete" restores the default."""
    organization = get_managed_channel_organization(request.user, pk)
    if kind not in TEMPLATE_KINDS or language not in dict(settings.LANGUAGES):
        raise Http404("No such kind of notice")
    instance = MessageTemplate.objects.filter(organization=organization, kind=kind, language=language).first()
    if instance is None:
        instance = MessageTemplate(organization=organization, kind=kind, language=language)
    if request.method == "POST" and "delete" in request.POST:
        if instance.pk:
            instance.delete()
        messages.success(request, _("The built-in wording is used again."))
        return redirect("notifications:templates", pk=organization.pk)
    form = MessageTemplateForm(request.POST if request.method == "POST" else None, instance=instance, kind=kind)
    preview = None
    if form.is_bound and form.is_valid():
        if "preview" in request.POST:
            with translation.override(language):
                sample = Notice(kind=kind, title=gettext("Sample title"), body=gettext("Sample text."))
                preview = render_notice(sample, form.instance, branch=organization.name)
        else:
            form.save()
            messages.success(request, _("The template is saved."))
            return redirect("notifications:templates", pk=organization.pk)
    return render(
        request,
        "notifications/template_edit.html",
        {
            "organization": organization,
            "form": form,
            "kind_label": TEMPLATE_KINDS[kind],
            "language_name": dict(settings.LANGUAGES)[language],
            "placeholders": KIND_PLACEHOLDERS[kind].items(),
            "preview": preview,
            "saved": instance.pk is not None,
        },
    )
