"""Fetch-with-check for the committee pages: the branch's secretaries and the committees above.

Keeping the committee is part of managing the branch's people's powers, so
the capability is ``MANAGE_ROLES``: a group leader or an organizer sees no
committee page (403), and another branch's committee is a 404.
"""

from __future__ import annotations

from django.http import Http404

from branches.access import Capability, can
from branches.models import Organization

from .models import Post

CAPABILITY = Capability.MANAGE_ROLES


def get_managed_branch(user, pk: int) -> Organization:
    branch = Organization.objects.filter(pk=pk, kind=Organization.Kind.BRANCH).select_related("parent").first()
    if not can(user, CAPABILITY, branch):
        raise Http404("No such branch")
    return branch


def get_managed_post(user, pk: int) -> Post:
    post = Post.objects.filter(pk=pk).select_related("organization", "member__user").first()
    if post is None or not can(user, CAPABILITY, post.organization):
        raise Http404("No such post")
    return post
