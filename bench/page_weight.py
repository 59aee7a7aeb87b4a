"""What each member page weighs on a cold load, and whether it asks any other origin.

    .venv/bin/python bench/page_weight.py                      # the site of `make run`
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:8080 --phone 17000000101

Starts nothing: point it at a running site with the demo data. It logs in once
as the demo member with Debian's Chromium, then opens each member page in a
fresh browser context (cookies only, no cache, no service worker yet) and adds
up what came over the wire for everything but images: the response headers
plus the body as transferred (`Request.sizes()`, i.e. compressed when the
server compresses; runserver does not, so the figures there are uncompressed).
The service worker's install (its precache, fetched once after the first page)
is shown apart. The exit status is 1 if a page is over the budget or asked
another origin.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

CHROMIUM = "/usr/bin/chromium"
BUDGET_KB = 150
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "device_scale_factor": 2}

# Paths as in the URL configuration; the activity and the material are found by
# following the first link to one, so any demo database will do.
PAGES = [
    ("home", "/"),
    ("activities:mine", "/activities/mine/"),
    ("activity detail", r"/activities/mine/\d+/"),
    ("study", "/activities/study/"),
    ("material", r"/activities/study/\d+/"),
    ("inbox", "/inbox/"),
    ("reports", "/reports/"),
    ("me", "/me/"),
]
FIND_ON = {"activity detail": "/activities/mine/", "material": "/activities/study/"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running site (default %(default)s)")
    parser.add_argument("--phone", default="17000000101", help="the demo member's phone number")
    parser.add_argument("--password", default="netbranch-demo")
    return parser.parse_args()


def log_in(browser, base: str, phone: str, password: str) -> dict:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(urljoin(base, "/accounts/login/"))
    page.fill("input[name=login]", phone)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        sys.exit(f"could not log in as {phone} at {base}")
    state = context.storage_state()
    context.close()
    return state


def find_link(browser, state: dict, base: str, on: str, pattern: str) -> str | None:
    context = browser.new_context(storage_state=state, **PHONE)
    page = context.new_page()
    page.goto(urljoin(base, on))
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    context.close()
    return next((href for href in hrefs if re.fullmatch(pattern, urlsplit(href).path)), None)


def cold_load(browser, state: dict, url: str) -> dict:
    context = browser.new_context(storage_state=state, **PHONE)
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    origin = urlsplit(url).netloc
    row = {"requests": 0, "by_type": defaultdict(int), "page": 0, "worker": 0, "foreign": [], "encodings": set()}
    for request in finished:
        if urlsplit(request.url).netloc != origin:
            row["foreign"].append(request.url)
        if request.resource_type == "image":
            continue
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        if request.service_worker is not None:
            row["worker"] += size
            continue
        response = request.response()
        if response is not None:
            row["encodings"].add(response.headers.get("content-encoding", "none"))
        row["requests"] += 1
        row["by_type"][request.resource_type] += size
        row["page"] += size
    context.close()
    return row


def main() -> int:
    args = parse_args()
    from playwright.sync_api import sync_playwright

    base = args.url.rstrip("/") + "/"
    failed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        state = log_in(browser, base, args.phone, args.password)
        columns = ("req", 4), ("html", 7), ("css", 7), ("js", 7), ("other", 7), ("total", 8), ("3rd", 4)
        header = f"{'page':<16} {'path':<24} " + " ".join(f"{name:>{width}}" for name, width in columns)
        print(header)
        print("-" * len(header))
        encodings = set()
        worker = 0
        for name, path in PAGES:
            if name in FIND_ON:
                found = find_link(browser, state, base, FIND_ON[name], path)
                if found is None:
                    print(f"{name:<16} (no link to one on {FIND_ON[name]})")
                    continue
                path = urlsplit(found).path
            row = cold_load(browser, state, urljoin(base, path))
            kinds = row["by_type"]
            other = row["page"] - kinds["document"] - kinds["stylesheet"] - kinds["script"]
            encodings |= row["encodings"]
            worker = max(worker, row["worker"])
            over = row["page"] > BUDGET_KB * 1024 or row["foreign"]
            failed = failed or bool(over)
            print(
                f"{name:<16} {path:<24} {row['requests']:>4} {kinds['document'] / 1024:>6.1f}K "
                f"{kinds['stylesheet'] / 1024:>6.1f}K {kinds['script'] / 1024:>6.1f}K {other / 1024:>6.1f}K "
                f"{row['page'] / 1024:>7.1f}K {len(row['foreign']):>4}{'  OVER' if over else ''}"
            )
            for url in row["foreign"]:
                print(f"    other origin: {url}")
        browser.close()
    print(f"\nbudget {BUDGET_KB} KB per page, images excluded; content-encoding seen: {', '.join(sorted(encodings))}")
    print(f"service worker install (once per phone, after the first page): {worker / 1024:.1f} KB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
