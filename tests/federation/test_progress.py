"""Progress of long commands: redrawn in place on a terminal, plain lines elsewhere; `scs demo-data` sizes and waits."""

from __future__ import annotations

import io

from click.testing import CliRunner
from sqlalchemy import func, select

from federation.cli import main
from federation.db import make_engine
from federation.migrations import upgrade
from federation.progress import Progress
from federation.settings import Settings
from federation.systems import load_system
from systems.catalog.products.models import Product


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Yes."""
        return True


def test_on_a_terminal_the_line_shows_count_rate_and_time_left_and_ends_with_a_newline():
    out = Terminal()
    progress = Progress("catalog loaded", 1000, "records", out)
    progress.update(250)
    progress.advance(250)
    progress.finish()
    text = out.getvalue()
    assert text.startswith("\rcatalog loaded: 250/1,000 records · ") and "/s · " in text and " s left" in text
    assert "\rcatalog loaded: 500/1,000 records" in text and text.endswith("\n")


def test_elsewhere_no_carriage_returns_are_written():
    out = io.StringIO()
    progress = Progress("order applied", 10, "events", out)
    progress.update(10)
    progress.finish()
    assert "\r" not in out.getvalue() and progress.line().endswith("· done")


def test_demo_data_loads_the_asked_number_and_says_what_the_consumers_applied(data_dir, tmp_path, monkeypatch):
    env = {"SCS_DATA_DIR": str(data_dir)}
    for name in ("catalog", "order"):
        env[f"SCS_{name.upper()}_DATABASE_URL"] = f"sqlite:///{tmp_path / name}.db"
        upgrade(load_system(name), Settings.from_env(name, env))
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["demo-data", "catalog", "--products", "30", "--wait", "1"])
    assert result.exit_code == 0, result.output
    assert "catalog: 30 demo record(s) added" in result.output
    assert "order applied 0 of 30 event(s) from catalog" in result.output  # no order worker runs in this test
    engine = make_engine(env["SCS_CATALOG_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Product)) == 30
    engine.dispose()
