"""Random bytes and mutated real images sent to the upload endpoint: never a 5xx, nothing stored for a refused file.

A file the first check accepts must also be one the reactive step either processes or refuses with a reason (it is
then dead-lettered), never one it crashes on.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from federation.consumer import EventRejected
from federation.runtime_models import OutboxMessage
from shared_contracts import from_amqp
from systems.catalog.images.models import ProductImage
from systems.catalog.images.reactive.on_product_image_uploaded import on_product_image_uploaded
from tests.catalog.conftest import add_product
from tests.images import SVG, photo, polyglot_html, polyglot_zip

FUZZ = settings(
    max_examples=300, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
SEEDS = [photo(120, 90), photo(120, 90, "PNG"), photo(120, 90, "WEBP"), photo(64, 64, orientation=8), SVG]
NAMES = st.sampled_from(["a.jpg", "a.jpeg", "a.png", "a.webp", "a.svg", "a.gif", "a", "a.JPG", "../../a.png", ""])


@st.composite
def mutated(draw) -> bytes:
    """A real image with bytes flipped, cut, inserted or spliced from another file."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "splice"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 512))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            donor = draw(st.sampled_from([*SEEDS, polyglot_zip(), polyglot_html()]))
            data[at:] = donor[draw(st.integers(0, len(donor) - 1)) :]
    return bytes(data)


@pytest.fixture
def catalog(data_dir, sqlite_url, admin_headers):
    """The catalog on SQLite with a product, an admin and a way to count what is stored."""
    from federation.migrations import upgrade
    from systems.catalog import create_app
    from systems.catalog.system import SYSTEM

    app = create_app({"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "TESTING": True})
    runtime = app.extensions["scs"]
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    yield app, admin_headers(app), add_product(runtime.session_factory)
    runtime.engine.dispose()


def stored(app) -> tuple[int, int, int]:
    """Files in the store, image rows, upload events."""
    root = app.extensions["scs"].settings.files_dir
    files = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    with app.extensions["scs"].session_factory() as session:
        rows = session.scalar(select(func.count(ProductImage.id))) or 0
        events = session.scalar(
            select(func.count()).where(OutboxMessage.event_type == "catalog.product_image.uploaded")
        )
    return files, rows, events or 0


def test_random_and_mutated_files_never_cause_a_5xx_and_refusals_store_nothing(catalog):
    app, admin, product = catalog
    client = app.test_client()
    factory = app.extensions["scs"].session_factory
    outcomes: dict[int, int] = {}

    @FUZZ
    @given(data=st.one_of(st.binary(max_size=4096), mutated()), filename=NAMES)
    def check(data: bytes, filename: str) -> None:
        before = stored(app)
        response = client.post(
            f"/api/products/{product.id}/images",
            headers=admin,
            data={"file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code != 202:
            assert response.status_code == 400 and response.get_json()["error"]["details"]
            assert stored(app) == before
            return
        with factory() as session:
            row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq.desc()).limit(1)).one()
            with contextlib.suppress(EventRejected):  # refused with a reason: dead-lettered in a worker
                on_product_image_uploaded(session, from_amqp(row.body.encode()))
            session.rollback()
        assert (
            client.delete(f"/api/products/{product.id}/images/{response.get_json()['id']}", headers=admin).status_code
            == 204
        )

    check()
    print("upload fuzz outcomes by status:", outcomes)
    assert outcomes.get(400, 0) > 0 and outcomes.get(202, 0) > 0, outcomes  # both sides were reached
