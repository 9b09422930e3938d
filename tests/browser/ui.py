"""What every browser test does on each page: wait for the fragments, run axe-core, keep a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")


class Visits:
    """One tab plus the record of which loaded pages were checked, so no visited page escapes the accessibility check."""

    def __init__(self, page: Page) -> None:
        """Watch `page` for every page it loads."""
        self.page = page
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated", lambda frame: self._loaded(frame))

    def _loaded(self, frame) -> None:
        """Remember main-frame navigations."""
        if frame == self.page.main_frame:
            self.loaded.append(frame.url)

    def look(self, name: str, *, docs: str | None = None) -> None:
        """Wait until the page's fragments settled, check it with axe, save a screenshot (and the docs one when named)."""
        self.page.wait_for_selector("html[data-fragments='settled']", state="attached")
        assert_accessible(self.page)
        self.checked.add(self.page.url)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if docs and os.environ.get("SCS_UPDATE_SCREENSHOTS") == "1":  # refresh the README's pictures on purpose only
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(DOCS_SCREENSHOTS / f"{docs}.png"), full_page=True)

    def assert_every_page_checked(self) -> None:
        """Every page the tab loaded went through look()."""
        unchecked = [url for url in self.loaded if url not in self.checked and url != "about:blank"]
        assert not unchecked, f"pages visited without an accessibility check: {unchecked}"


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(
            AXE_SOURCE
        )  # through DevTools, which the pages' CSP (no inline scripts) rightly does not allow a <script> tag
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(blocking)


def no_horizontal_overflow(page: Page) -> bool:
    """The page fits the viewport's width (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
