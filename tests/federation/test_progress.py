"""Progress of long commands: redrawn in place on a terminal, plain lines elsewhere; `scs demo-data` and `scs resync`."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import func, insert, select

from federation.cli import main
from federation.db import make_engine
from federation.migrations import upgrade
from federation.progress import Progress
from federation.resync import resync
from federation.settings import Settings
from federation.systems import load_system
from systems.catalog.products.generator import GeneratedProduct, generated_products
from systems.catalog.products.models import Product
from tests.conftest import TEST_RETRY_DELAYS_MS


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


def test_resync_shows_the_relaying_of_what_it_re_published(data_dir, tmp_path, amqp_url, namespace):
    env = {
        "SCS_DATA_DIR": str(data_dir),
        "SCS_AMQP_URL": amqp_url,
        "SCS_NAMESPACE": namespace,
        "SCS_RETRY_DELAYS_MS": ",".join(str(ms) for ms in TEST_RETRY_DELAYS_MS),
    }
    for name in ("catalog", "order"):
        env[f"SCS_{name.upper()}_DATABASE_URL"] = f"sqlite:///{tmp_path / name}.db"
        upgrade(load_system(name), Settings.from_env(name, env))
    engine = make_engine(env["SCS_CATALOG_DATABASE_URL"])
    with engine.begin() as connection:  # straight into the table: no outbox rows of their own
        connection.execute(insert(Product), [_product(item) for item in generated_products(0, 3)])
    engine.dispose()
    out = Terminal()
    count = resync(load_system("order"), load_system("catalog"), Settings.from_env("catalog", env), out=out)
    assert count == 3 and "\rcatalog relayed: 3/3 events · " in out.getvalue() and out.getvalue().endswith("\n")


def _product(item: GeneratedProduct) -> dict:
    """A catalog row of a generated product."""
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "sku": item.sku,
        "name": item.name,
        "description": item.description,
        "price_cents": item.price_cents,
        "currency": "EUR",
        "stock": item.stock,
        "discontinued": False,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
