"""The site's URLs plus the floor: what any logged-in page costs at least."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_safe

from members.models import Member


@login_required
@require_safe
def floor(request):
    """Database session, user load, one indexed query (the unique Member.user), a small template."""
    name = Member.objects.filter(user_id=request.user.pk).values_list("name", flat=True).order_by().first()
    return render(request, "web_floor/floor.html", {"name": name})


urlpatterns = [
    path("floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]
