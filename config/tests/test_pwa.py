"""The web app manifest, the service worker at the root, the offline page, and the colours' contrast."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

STATIC = Path(settings.BASE_DIR) / "static"


def test_the_manifest_makes_the_site_installable():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "网络党支部"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#b71c1c"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512", "any"} <= sizes
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"]).exists(), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(STATIC / icon["src"]) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_the_scripts_without_inline_code(client, member):
    client.force_login(member.user)
    html = client.get(reverse("home")).content.decode()
    assert 'rel="manifest"' in html
    assert "js/sw-register.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", script).group(1))
    assert "/static/css/site.css" in assets
    assert "/static/js/checkin.js" in assets
    assert "/static/icons/icon-192.png" in assets
    assert f'const OFFLINE = "{reverse("offline")}"' in script
    # Only the offline page is ever stored among the pages.
    assert "cache.put" not in script.split('request.mode === "navigate"')[1].split("} else if")[0]


@pytest.mark.django_db
def test_the_service_worker_refuses_a_post(client):
    assert client.post("/sw.js").status_code == 405


@pytest.mark.django_db
def test_the_offline_page_is_the_same_for_everyone(client, member):
    anonymous = client.get(reverse("offline"))
    assert anonymous.status_code == 200
    client.force_login(member.user)
    logged_in = client.get(reverse("offline"))
    assert logged_in.status_code == 200
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub(b"", logged_in.content) == strip.sub(b"", anonymous.content)
    assert member.name.encode() not in logged_in.content
    assert b"csrfmiddlewaretoken" not in logged_in.content


# --- WCAG AA contrast of the site's colours, read from the CSS variables ---------------------


def css_variables() -> dict[str, str]:
    css = (STATIC / "css" / "site.css").read_text(encoding="utf-8")
    # Later :root rules override earlier ones, as in the browser.
    roots = re.findall(r":root\s*\{(.*?)\}", css, re.S)
    return {name: value for root in roots for name, value in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root)}


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("foreground", "background"),
    [
        ("red", "#ffffff"),  # links and buttons' outline text on cards
        ("red", "bg"),  # links on the page background
        ("muted", "#ffffff"),  # secondary text on cards
        ("muted", "bg"),  # the footer and the tab bar's labels
        ("ink", "bg"),
        ("ok", "#ffffff"),  # "checked in"
        ("ok", "#e8f5e9"),  # the "checked in" badge
        ("red", "#ffebee"),  # the red badges and error messages
        ("warn", "#ffffff"),  # warnings on the roster
    ],
)
def test_text_colours_pass_wcag_aa_for_normal_text(foreground, background):
    colours = css_variables()
    fg = colours[foreground]
    bg = colours.get(background, background)
    assert contrast(fg, bg) >= 4.5, f"{foreground} {fg} on {bg}: {contrast(fg, bg):.2f}"


def test_white_text_on_the_red_buttons_passes_wcag_aa():
    assert contrast("#ffffff", css_variables()["red"]) >= 4.5
