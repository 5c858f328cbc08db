"""The report in a real headless browser (Debian's chromium), offline: renders, sorts, stays inert."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.report import write_report
from test_report import HOSTILE_FEATURE, HOSTILE_TITLE, make_results

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, index: Path):
    """Open ``index`` offline; return (page, problems, blocked requests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(index.resolve().as_uri(), wait_until="load")
    return page, problems, blocked


def _column(page, table_id: str, col: int) -> list[str]:
    return page.eval_on_selector_all(f"#{table_id} tbody tr", f"rows => rows.map(r => r.cells[{col}].textContent)")


def test_report_browser_renders_offline_and_sorts(browser, tmp_path):
    index = write_report(make_results(tmp_path / "results"))
    page, problems, blocked = _open(browser, index)
    try:
        for chart in ("chart-time", "chart-outlets", "chart-labels", "chart-confidence", "chart-actors"):
            box = page.locator(f"#{chart} svg").bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, chart
            assert page.locator(f"#{chart} svg").locator("rect, circle, polyline").count() > 1, chart
        for table in ("t-outlets", "t-periods", "t-articles", "t-actors", "t-pairs", "t-per-class", "t-confusion"):
            assert page.locator(f"#{table} tbody tr").count() > 0, table
        assert page.locator("#t-outlets tbody tr").count() == 3

        # Sort the outlets by topical passages (3rd column): ascending, then descending.
        before = _column(page, "t-outlets", 0)
        header = page.locator("#t-outlets thead th").nth(2)
        header.click()
        asc = [int(x.replace(",", "")) for x in _column(page, "t-outlets", 2)]
        assert asc == sorted(asc) and header.get_attribute("aria-sort") == "ascending"
        header.click()
        desc = [int(x.replace(",", "")) for x in _column(page, "t-outlets", 2)]
        assert desc == sorted(desc, reverse=True) and header.get_attribute("aria-sort") == "descending"
        assert sorted(_column(page, "t-outlets", 0)) == sorted(before)
        # Text columns sort too, and the keyboard works.
        page.locator("#t-articles thead th").nth(0).focus()
        page.keyboard.press("Enter")
        titles = _column(page, "t-articles", 0)
        assert titles == sorted(titles, key=str.lower)

        # An article title jumps to its passages.
        page.locator("#t-articles a", has_text="Scores, perks and the Party").click()
        target = page.evaluate("location.hash")
        assert target.startswith("#art-") and page.locator(f"{target} .psg li").count() == 2

        assert blocked == [], f"network requests attempted: {blocked}"
        assert problems == [], problems
        shot = tmp_path / "report.png"
        page.goto(index.resolve().as_uri())
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        if os.environ.get("FRAMING_SCREENSHOT_DIR"):
            folder = Path(os.environ["FRAMING_SCREENSHOT_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, folder / "report.png")
    finally:
        page.context.close()


def test_report_browser_hostile_article_stays_inert(browser, tmp_path):
    index = write_report(make_results(tmp_path / "results", hostile=True))
    page, problems, blocked = _open(browser, index)
    try:
        # Hover and click over everything a payload could hang on.
        for selector in ("#t-articles tbody td", "#evidence blockquote", "mark"):
            for cell in page.locator(selector).all()[:12]:
                cell.hover()
        page.locator("#t-outlets thead th").first.click()
        assert page.evaluate("window.__pwned") is None
        assert page.title() != "pwned" and "pwned" not in page.title().lower()
        text = page.locator("body").inner_text()
        assert HOSTILE_TITLE in text and HOSTILE_FEATURE in text  # shown literally
        assert "javascript:alert(1)" in text
        assert page.locator('a[href^="javascript:"], a[href^="data:"]').count() == 0
        assert page.locator("img, iframe, object, embed").count() == 0
        assert page.locator("script").count() == 1
        assert blocked == [], f"network requests attempted: {blocked}"
        assert problems == [], problems
    finally:
        page.context.close()


def test_report_browser_network_guard_catches_requests(browser, tmp_path):
    # The guard above must not be vacuous: a page that fetches something is caught.
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<img src="http://example.invalid/pixel.png"><script src="https://example.invalid/x.js"></script>')
    page, _, blocked = _open(browser, leaky)
    page.context.close()
    assert sorted(blocked) == ["http://example.invalid/pixel.png", "https://example.invalid/x.js"]
