"""A person at a real (headless) browser: log in, review with the keyboard, curate, search, export.

Debian's chromium driven by Playwright (never a downloaded browser). Skipped
with a reason where /usr/bin/chromium is absent; CI installs it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from store import items
from tests.e2e.site import ACCOUNTS, PASSWORD, QUEUE, populate
from tests.servers import live_server
from veille.app import App
from veille.settings import load_settings
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture
def browser_site(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is part of the test extra")
    app = App(load_settings(data_dir=tmp_path / "data"))
    ids = populate(app.engine)
    with live_server(create_app(app)) as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        yield base, page, app, ids, problems
        browser.close()


def test_review_curate_search_and_export(browser_site):
    base, page, app, ids, problems = browser_site
    expect = pytest.importorskip("playwright.sync_api").expect

    # Log in.
    page.goto(base + "/equipe/revue")
    page.fill("#email", ACCOUNTS["editor"])
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Revue")
    first_ten = [int(page.locator(".queue .entry").nth(i).get_attribute("data-id")) for i in range(10)]

    # Ten items with the keyboard alone: accept, reject, skip with j, undo with u.
    keys = ["a", "a", "r", "a", "a", "r", "a", "a", "a", "r"]
    for n, key in enumerate(keys):
        page.keyboard.press(key)
        expect(page.locator(f"#item-{first_ten[n]}")).to_have_attribute(
            "data-status", "accepted" if key == "a" else "rejected")
    page.keyboard.press("u")  # the last rejection was a slip
    expect(page.locator(f"#item-{first_ten[9]}")).to_have_attribute("data-status", "new")
    expect(page.locator("#announce")).to_contain_text("Annulé")
    page.keyboard.press("a")
    expect(page.locator(f"#item-{first_ten[9]}")).to_have_attribute("data-status", "accepted")
    statuses = [items.get_item(app.engine, i).status for i in first_ten]
    assert statuses.count("accepted") == 8 and statuses.count("rejected") == 2

    # Feature the next item for the newsletter, with f.
    featured = int(page.locator(".entry.current").get_attribute("data-id"))
    page.keyboard.press("f")
    expect(page.locator(f"#item-{featured}")).to_have_attribute("data-featured", "1")
    expect(page.locator(f"#item-{featured} .badge.star")).to_be_visible()
    assert items.get_item(app.engine, featured).featured

    # Fix a tag of the item now current: t opens the small form.
    fixed = int(page.locator(".entry.current").get_attribute("data-id"))
    page.keyboard.press("t")
    form = page.locator(f"#item-{fixed} form.tags-form")
    expect(form.locator("select[name=purpose]")).to_be_focused()
    form.locator("select[name=purpose]").select_option("information")
    form.locator("input[value=open-data]").check()
    form.locator("select[name=kind]").select_option("publication")
    form.locator("button[type=submit]").click()
    expect(page.locator("#announce")).to_contain_text("Étiquettes enregistrées")
    view = items.get_item(app.engine, fixed)
    assert (view.purpose, "open-data" in view.themes, view.kind) == ("information", True, "publication")

    # The public searches the archive with two facets.
    page.goto(base + "/")
    expect(page.locator("svg.heatmap")).to_be_visible()
    page.fill("#q", "budget")
    page.keyboard.press("Enter")
    page.locator('.facet[data-facet="theme"] a', has_text="Budgets participatifs").click()
    page.locator('.facet[data-facet="language"] a', has_text="anglais").click()
    results = page.locator(".results .item h2")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text("Participatory budgeting goes digital in Lisbon")
    expect(page.locator(".chips")).to_contain_text("Thème : Budgets participatifs")

    # …and downloads the CSV of that search.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Participatory budgeting goes digital in Lisbon"]
    assert rows[0]["language"] == "en" and "participatory-budgeting" in rows[0]["themes"]

    # no script error, no blocked resource (CSP) along the way; the one 401 is the login page itself
    assert [p for p in problems if "401 (Unauthorized)" not in p] == []


def test_keyboard_is_inert_for_a_reader(browser_site):
    base, page, app, ids, problems = browser_site
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(base + "/connexion")
    page.fill("#email", ACCOUNTS["reader"])
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Revue")
    first = int(page.locator(".queue .entry").first.get_attribute("data-id"))
    page.keyboard.press("a")
    page.keyboard.press("j")
    expect(page.locator(".entry.current")).not_to_have_attribute("data-id", str(first))
    assert items.get_item(app.engine, first).status == "new"
    assert ids[QUEUE[0][1]] and problems == []


@pytest.mark.parametrize("path", ["/", "/equipe/revue"])
def test_header_footer_and_body_share_one_column(browser_site, path):
    """On a wide screen the header and footer line up with the page body, public and staff alike."""
    base, page, app, ids, problems = browser_site
    page.set_viewport_size({"width": 1600, "height": 900})
    if path.startswith("/equipe"):
        page.goto(base + "/connexion")
        page.fill("#email", ACCOUNTS["editor"])
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/equipe/**")
    page.goto(base + path)
    boxes = {tag: page.locator(f"body > {tag}").first.bounding_box()
             for tag in ("header.site", "main", "footer.site")}
    for tag in ("header.site", "footer.site"):
        assert boxes[tag]["x"] == pytest.approx(boxes["main"]["x"], abs=1), tag
        assert boxes[tag]["width"] == pytest.approx(boxes["main"]["width"], abs=1), tag
    assert problems == []
