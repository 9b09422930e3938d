"""Benchmark 7: upload a product image → its variants in the order system's copy, and the upload request's own latency.

    python -m tests.benchmarks.bench_images [--uploads 50] [--databases sqlite,postgres]

The three systems run as processes (gunicorn web + worker each). An admin uploads distinct 1600 x 1200 JPEGs (about
750 KB, EXIF included) to one product through `POST /api/products/<id>/images`, one at a time; from the request's start,
the order system's database is read every 5 ms until its product copy lists the image with variants. Baselines measured
in the same run: a plain admin write (`PATCH /api/products/<id>`, a new price) for the request, and that change's way
into the same copy for the propagation; and the resizing alone (`make_variants` of the same files in this process), which
the upload request must not contain.
"""

from __future__ import annotations

import argparse
import io
import time
import uuid

import requests
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from systems.catalog.images.variants import make_variants
from systems.order.products_copy.models import ProductCopy
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import DATABASES, running_federation, sessions, wait_until
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import PASSWORD, admin_known_everywhere

POLL_SECONDS = 0.005
FRACTIONS = {"p50": 0.5, "p99": 0.99}


def photo(index: int) -> bytes:
    """A distinct 1600 x 1200 JPEG with EXIF (noise makes each file, so each content address, new)."""
    noise = Image.effect_noise((1600, 1200), 40 + index % 20).convert("RGB")
    gradient = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    image = Image.blend(noise, gradient, 0.6)
    exif = Image.Exif()
    exif[0x010F] = f"BenchCam {index}"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def admin_token(federation: Federation) -> dict[str, str]:
    """An admin's bearer headers, once catalog and order know the account."""
    email = f"bench-{uuid.uuid4().hex[:6]}@example.org"
    federation.scs("users", "add", email, "--password", PASSWORD, "--admin")
    return admin_known_everywhere(federation, email)


def copy_of(order: sessionmaker[Session], product_id: uuid.UUID) -> ProductCopy | None:
    """The order system's copy of the product, read fresh."""
    with order() as session:
        return session.get(ProductCopy, product_id)


def seconds_until(condition, started: float) -> float:
    """Seconds from `started` until `condition()` holds (polled every POLL_SECONDS, at most 60 s)."""
    deadline = started + 60
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("not visible in the order copy after 60 s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def measure(database: str, uploads: int) -> dict:
    """Start the federation, make a product, then time price changes (baseline) and uploads one by one."""
    files = [photo(index) for index in range(uploads)]
    resize = []
    for data in files:
        started = time.perf_counter()
        make_variants(data)
        resize.append(time.perf_counter() - started)
    with running_federation(database) as federation:
        federation.start_all()
        admin = admin_token(federation)
        catalog = federation.url("catalog")
        created = requests.post(
            f"{catalog}/api/products",
            json={"sku": "BENCH-1", "name": "Bench bowl", "price_cents": 1000, "stock": 5},
            headers=admin,
            timeout=10,
        )
        created.raise_for_status()
        product_id = uuid.UUID(created.json()["id"])
        engine, order = sessions(federation, "order", writes=False)
        try:
            wait_until(lambda: copy_of(order, product_id) is not None, timeout=60, what="the product in the order copy")
            patch_request, patch_visible = [], []
            for index in range(uploads):
                price = 1001 + index
                started = time.monotonic()
                response = requests.patch(
                    f"{catalog}/api/products/{product_id}", json={"price_cents": price}, headers=admin, timeout=10
                )
                patch_request.append(time.monotonic() - started)
                response.raise_for_status()
                patch_visible.append(
                    seconds_until(lambda price=price: copy_of(order, product_id).price_cents == price, started)  # type: ignore[union-attr]
                )
            upload_request, upload_visible = [], []
            for index, data in enumerate(files):
                started = time.monotonic()
                response = requests.post(
                    f"{catalog}/api/products/{product_id}/images",
                    files={"file": (f"bench-{index}.jpg", data, "image/jpeg")},
                    data={"alt": f"Bench photo {index}"},
                    headers=admin,
                    timeout=30,
                )
                upload_request.append(time.monotonic() - started)
                assert response.status_code == 202, response.text
                image_id = response.json()["id"]
                upload_visible.append(
                    seconds_until(
                        lambda image_id=image_id: any(
                            image["id"] == image_id and image["variants"]
                            for image in copy_of(order, product_id).images  # type: ignore[union-attr]
                        ),
                        started,
                    )
                )
                if index % 10 == 9:  # stay under the 12 images a product may have
                    for image in copy_of(order, product_id).images:  # type: ignore[union-attr]
                        requests.delete(
                            f"{catalog}/api/products/{product_id}/images/{image['id']}", headers=admin, timeout=10
                        ).raise_for_status()
        finally:
            engine.dispose()
    series = {
        "upload request": upload_request,
        "price change request (baseline)": patch_request,
        "resize alone, in process": resize,
        "upload → variants in the order copy": upload_visible,
        "price change → order copy (baseline)": patch_visible,
    }
    return {
        "database": database,
        "uploads": uploads,
        "bytes_per_file": sum(map(len, files)) // len(files),
        "ms": {name: {k: percentile(v, f) * 1000 for k, f in FRACTIONS.items()} for name, v in series.items()},
        "samples_ms": {name: [v * 1000 for v in values] for name, values in series.items()},
    }


def main() -> None:
    """Measure each database, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=50, help="images uploaded, one after another")
    parser.add_argument("--databases", default="sqlite", help=f"comma-separated, of {','.join(DATABASES)}")
    args = parser.parse_args()
    runs = [measure(database, args.uploads) for database in args.databases.split(",")]
    rows = []
    for r in runs:
        ms = r["ms"]
        pairs = {
            "upload request": "price change request (baseline)",
            "upload → variants in the order copy": "price change → order copy (baseline)",
        }
        for name, values in ms.items():
            baseline = pairs.get(name)
            ratio = f"{values['p99'] / ms[baseline]['p99']:.1f}×" if baseline else ""
            rows.append((r["database"], name, f"{values['p50']:.1f}", f"{values['p99']:.1f}", ratio))
    print_table(
        f"Product images, ms ({runs[0]['uploads']} uploads of ~{runs[0]['bytes_per_file'] // 1024} KB, 1600 x 1200 JPEG)",
        ("database", "measure", "p50", "p99", "p99 vs baseline"),
        rows,
    )

    def draw(axes) -> None:
        for r in runs:
            for name in ("upload request", "resize alone, in process", "upload → variants in the order copy"):
                values = sorted(r["samples_ms"][name])
                axes.plot(values, [i / len(values) for i in range(1, len(values) + 1)], label=f"{r['database']} {name}")
        axes.set_xlabel("milliseconds")
        axes.set_ylabel("fraction of uploads")
        axes.set_title("Upload answers before the resizing; variants reach the order copy after it")
        axes.legend(loc="lower right", fontsize="small")

    save("images", {"poll_ms": POLL_SECONDS * 1000, "runs": runs}, draw)


if __name__ == "__main__":
    main()
