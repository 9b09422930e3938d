"""In the text log format a record is one line, whatever a request path or a message holds; SCS_LOG_LEVEL is checked."""

from __future__ import annotations

import io
import logging
import re
import sys

import pytest
from click.testing import CliRunner

from federation.cli import main
from federation.logs import configure_logging
from federation.runtime_models import RuntimeBase
from federation.web import create_system_app
from tests.federation.web_sample import WEB_SAMPLE

RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR|DEBUG|CRITICAL) +web-test ")


@pytest.fixture
def text_log(monkeypatch):
    """The process's logging in the text format, its standard error a buffer; what it wrote so far, on call."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setenv("SCS_LOG_FORMAT", "text")
    configure_logging("web-test")
    yield stderr.getvalue
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def test_a_newline_in_the_request_path_cannot_forge_a_log_line(text_log, data_dir, sqlite_url, amqp_url):
    app = create_system_app(WEB_SAMPLE, {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url})
    RuntimeBase.metadata.create_all(app.extensions["scs"].engine)
    app.test_client().get("/healthz%0a2026-12-01%20INFO%20fake%0d%1b[31mred")
    lines = text_log().splitlines()
    assert lines and all(RECORD_START.match(line) for line in lines), lines
    [request_line] = [line for line in lines if "GET /healthz" in line]
    assert request_line.endswith(r"GET /healthz\n2026-12-01 INFO fake\r\x1b[31mred 404 " + request_line.split()[-1])


def test_a_traceback_follows_its_record_indented_and_escaped(text_log):
    try:
        raise ValueError("bad value\n2026-12-01 00:00:00,000 INFO forged")
    except ValueError:
        logging.getLogger("test").exception("failed on %s", "input\u202eevil")
    first, *rest = text_log().splitlines()
    assert RECORD_START.match(first) and first.endswith(r"failed on input\u202eevil")
    assert rest and all(line.startswith("    ") for line in rest)
    assert rest[-2:] == ["    ValueError: bad value", "    2026-12-01 00:00:00,000 INFO forged"]


@pytest.mark.parametrize("name", ["loud", "", "critical", "notset"])
def test_an_unknown_log_level_stops_every_command_with_one_line_naming_it(name):
    result = CliRunner().invoke(main, ["contracts", "markdown"], env={"SCS_LOG_LEVEL": name})
    assert result.exit_code == 1
    assert "SCS_LOG_LEVEL" in result.output and "debug, info, warning, error" in result.output


@pytest.fixture
def at_warning(monkeypatch):
    """SCS_LOG_LEVEL=WARNING for the logging the next fixture configures."""
    monkeypatch.setenv("SCS_LOG_LEVEL", "WARNING")


def test_at_warning_the_per_event_lines_are_left_out(at_warning, text_log):
    logging.getLogger("federation.relay").info("relay: published catalog.product.updated 1")
    logging.getLogger("federation.relay").warning("relay: broker unavailable")
    assert "published" not in text_log() and "broker unavailable" in text_log()
