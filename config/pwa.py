"""The installable side of the site: the service worker at the root and the page it shows offline."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# What a member needs to open the site without a connection; pages are not
# listed, they are personal and never stored.
PRECACHE = [
    "css/site.css",
    "js/checkin.js",
    "js/sw-register.js",
    "manifest.webmanifest",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
]


@require_safe
@cache_control(no_cache=True)
def service_worker(request):
    assets = [static(name) for name in PRECACHE]
    offline_url = reverse("offline")
    # Hashed static names change with their content, and so does this
    # version: browsers install the new worker, which drops the old cache.
    version = hashlib.sha256(json.dumps([*assets, offline_url]).encode()).hexdigest()[:12]
    script = render_to_string(
        "pwa/sw.js",
        {
            "version": version,
            "offline_url": offline_url,
            "static_url": settings.STATIC_URL,
            "assets": json.dumps(assets),
        },
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request):
    """The same page for everyone, so the service worker may keep a copy."""
    return render(request, "pwa/offline.html")
