"""The browser tier: the three systems as processes (the e2e harness), driven by the machine's Chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.ui import CHROMIUM, CHROMIUM_ARGS, Visits
from tests.conftest import delete_namespace
from tests.e2e.federation_processes import Federation


@pytest.fixture(scope="package")
def shop(tmp_path_factory, amqp_url, new_namespace) -> Iterator[Federation]:
    """One running federation shared by the browser tests (each test uses its own accounts and products)."""
    namespace = new_namespace()
    running = Federation(data_dir=tmp_path_factory.mktemp("browser") / "var", namespace=namespace, amqp_url=amqp_url)
    running.start_all()
    yield running
    running.stop_all()
    delete_namespace(amqp_url, namespace)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"the browser tests drive Debian's Chromium at {CHROMIUM}: apt-get install chromium chromium-driver"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visits(browser: Browser, request) -> Iterator[Visits]:
    """A fresh browser context at desktop size; after a passing test, every page it loaded must have been checked with axe."""
    failed_before = request.session.testsfailed
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    recorder = Visits(context.new_page())
    yield recorder
    context.close()
    if request.session.testsfailed == failed_before:
        recorder.assert_every_page_checked()


@pytest.fixture
def page(visits: Visits) -> Page:
    """The test's browser tab."""
    return visits.page
