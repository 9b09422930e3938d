"""Product images: the upload API stores the original and its own event; the reactive function makes the variants."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from federation.consumer import EventRejected
from federation.topology import Names
from shared_contracts.catalog import ProductImageUploaded, ProductState
from systems.catalog.images.models import ProductImage
from systems.catalog.images.reactive.on_product_image_uploaded import on_product_image_uploaded
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product, apply, csrf_token, outbox
from tests.conftest import wait_for
from tests.federation.harness import drain_queue, publish_event, running_consumer
from tests.images import SVG, corrupted_png, photo, png_claiming, polyglot_html, polyglot_zip

UPLOADED = "catalog.product_image.uploaded"
UPDATED = "catalog.product.updated"


def upload(client, headers, product_id, data: bytes, filename: str = "photo.jpg", alt: str = "A mug"):
    """POST the file as the multipart field `file`."""
    return client.post(
        f"/api/products/{product_id}/images",
        headers=headers,
        data={"file": (io.BytesIO(data), filename), "alt": alt},
        content_type="multipart/form-data",
    )


def stored_files(app) -> list[Path]:
    """Every file in the catalog's file store."""
    root = app.extensions["scs"].settings.files_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def image_rows(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(ProductImage.id))) or 0


def published(session_factory) -> list[ProductState]:
    """The product states of the catalog.product.updated events in the outbox, oldest first."""
    return [event.data_as(ProductState) for event in outbox(session_factory, UPDATED)]


def uploaded(event) -> ProductImageUploaded:
    """The data of an upload event."""
    return event.data_as(ProductImageUploaded)


def process_all(session_factory) -> None:
    """Run the reactive function for every upload event in the outbox, as the catalog's worker does."""
    for event in outbox(session_factory, UPLOADED):
        apply(session_factory, on_product_image_uploaded, event)


def test_upload_answers_202_processing_and_stores_only_the_original_and_its_event(app, client, admin, session_factory):
    mug = add_product(session_factory)
    response = upload(client, admin, mug.id, photo())
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["state"] == "processing" and body["product_id"] == str(mug.id)
    assert [p.parent.name for p in stored_files(app)] == ["originals"]
    [event] = outbox(session_factory, UPLOADED)
    assert str(uploaded(event).image_id) == body["id"] and uploaded(event).original.startswith("originals/")
    assert len(outbox(session_factory, UPDATED)) == 0  # nothing published until the variants exist
    assert client.get(f"/api/products/{mug.id}").get_json()["images"] == []


def test_processing_makes_webp_variants_without_metadata_upright_and_publishes_them(
    app, client, admin, session_factory
):
    mug = add_product(session_factory)
    assert upload(client, admin, mug.id, photo(300, 200, orientation=6), alt="Side view").status_code == 202
    process_all(session_factory)
    [state] = published(session_factory)
    [image] = state.images
    assert image.alt == "Side view"
    # orientation 6 turns the 300 x 200 photo upright (200 x 300); never wider than the original
    assert [(v.width, v.height) for v in image.variants] == [(160, 240), (200, 300)]
    for variant in image.variants:
        response = client.get(variant.url)
        assert response.status_code == 200
        assert response.content_type == "image/webp"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        served = Image.open(io.BytesIO(response.data))
        assert served.format == "WEBP" and served.size == (variant.width, variant.height)
        assert not served.getexif() and "icc_profile" not in served.info and "xmp" not in served.info
    assert client.get(f"/api/products/{mug.id}").get_json()["images"][0]["id"] == str(image.id)


def test_a_large_photo_gets_three_widths(client, admin, session_factory):
    mug = add_product(session_factory)
    assert upload(client, admin, mug.id, photo(1600, 1200, "PNG"), filename="p.png").status_code == 202
    process_all(session_factory)
    [state] = published(session_factory)
    assert [(v.width, v.height) for v in state.images[0].variants] == [(160, 120), (480, 360), (1200, 900)]


def test_processing_twice_is_a_no_op(client, admin, session_factory):
    mug = add_product(session_factory)
    upload(client, admin, mug.id, photo(200, 100))
    process_all(session_factory)
    process_all(session_factory)  # a redelivery (or one after the inbox row was pruned)
    assert len(outbox(session_factory, UPDATED)) == 1


def test_originals_and_other_names_are_not_served(app, client, admin, session_factory):
    mug = add_product(session_factory)
    upload(client, admin, mug.id, photo(200, 100))
    original = stored_files(app)[0].name
    for name in (original, original.replace(".jpg", ".webp").upper(), "..%2Foriginals%2F" + original, "x.webp"):
        assert client.get(f"/images/{name}").status_code == 404


BAD_FILES = [
    pytest.param(b"just some text, not an image", "notes.jpg", "not an image", id="not-an-image"),
    pytest.param(photo(400, 300)[:2000], "cut.jpg", "truncated or corrupted", id="truncated"),
    pytest.param(corrupted_png(), "bad.png", "truncated or corrupted", id="corrupted"),
    pytest.param(polyglot_zip(), "poly.jpg", "polyglot", id="polyglot-zip"),
    pytest.param(polyglot_html(), "poly.jpg", "polyglot", id="polyglot-html"),
    pytest.param(SVG, "logo.svg", "SVG", id="svg"),
    pytest.param(SVG, "logo.png", "SVG", id="svg-renamed"),
    pytest.param(png_claiming(20000, 20000), "bomb.png", "megapixels", id="decompression-bomb"),
    pytest.param(photo(64, 48, "PNG"), "photo.jpg", "content is PNG", id="wrong-extension"),
    pytest.param(photo(64, 48), "photo.gif", ".jpg, .jpeg, .png or .webp", id="unsupported-extension"),
    pytest.param(b"", "empty.jpg", "empty", id="empty"),
    pytest.param(b"\xff\xd8" + b"\0" * (8 * 1024 * 1024), "big.jpg", "larger than 8 MB", id="over-the-size-limit"),
]


@pytest.mark.parametrize(("data", "filename", "problem"), BAD_FILES)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    app, client, admin, session_factory, data, filename, problem
):
    mug = add_product(session_factory)
    response = upload(client, admin, mug.id, data, filename)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert problem in error["message"] and problem in error["details"]["file"]
    assert stored_files(app) == [] and image_rows(session_factory) == 0
    assert outbox(session_factory, UPLOADED) == []


def test_a_body_over_the_upload_limit_is_refused_413_before_it_is_read(app, client, admin, session_factory):
    mug = add_product(session_factory)
    response = upload(client, admin, mug.id, b"\xff\xd8" + b"\0" * (9 * 1024 * 1024))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored_files(app) == [] and image_rows(session_factory) == 0


def test_other_uploads_are_refused(app, client, admin, customer, session_factory):
    mug = add_product(session_factory)
    gone = add_product(session_factory, discontinued=True)
    cases = [
        (upload(client, admin, uuid.uuid4(), photo(64, 48)), 404, "There is no product"),
        (upload(client, admin, gone.id, photo(64, 48)), 422, "discontinued"),
        (upload(client, customer, mug.id, photo(64, 48)), 403, ""),
        (upload(client, {}, mug.id, photo(64, 48)), 401, ""),
        (upload(client, admin, mug.id, photo(64, 48), alt="x" * 301), 400, "longer than 300"),
        (upload(client, admin, mug.id, photo(64, 48), alt="bad\u202eone"), 400, "U+202E"),
        (client.post(f"/api/products/{mug.id}/images", headers=admin, data={"alt": "no file"}), 400, "`file`"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (status, response.get_json())
        assert words in response.get_json()["error"]["message"]
    assert stored_files(app) == [] and image_rows(session_factory) == 0


def test_an_original_that_fails_processing_is_rejected_and_the_product_keeps_its_images(
    app, client, admin, session_factory
):
    mug = add_product(session_factory)
    upload(client, admin, mug.id, photo(200, 100), alt="first")
    process_all(session_factory)
    before = published(session_factory)[-1].images
    upload(client, admin, mug.id, photo(210, 100), alt="second")
    event = outbox(session_factory, UPLOADED)[-1]
    (app.extensions["scs"].settings.files_dir / uploaded(event).original).write_bytes(b"\xff\xd8 damaged on disk")
    with pytest.raises(EventRejected, match="cannot be processed"):
        apply(session_factory, on_product_image_uploaded, event)
    assert published(session_factory)[-1].images == before
    assert [i["alt"] for i in client.get(f"/api/products/{mug.id}").get_json()["images"]] == ["first"]


def test_through_the_broker_the_upload_is_processed_and_a_broken_one_dead_lettered_with_its_reason(
    app, client, admin, session_factory, amqp_url, namespace
):
    mug = add_product(session_factory)
    upload(client, admin, mug.id, photo(200, 100))
    upload(client, admin, mug.id, photo(220, 100))
    good, bad = outbox(session_factory, UPLOADED)
    (app.extensions["scs"].settings.files_dir / uploaded(bad).original).write_bytes(b"not an image any more")
    with running_consumer(system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory):
        publish_event(amqp_url, namespace, good)
        publish_event(amqp_url, namespace, bad)
        wait_for(lambda: outbox(session_factory, UPDATED), message="product published with its image")
        dead = wait_for(lambda: drain_queue(amqp_url, Names(namespace).dead_letter_queue("catalog")), message="dlq")
    [(properties, _body)] = dead
    assert f"image {uploaded(bad).image_id}" in properties.headers["x-scs-reason"]
    assert "cannot be processed" in properties.headers["x-scs-reason"]
    [state] = published(session_factory)
    assert [str(i.id) for i in state.images] == [str(uploaded(good).image_id)]


def test_relabel_move_and_remove_publish_the_product_and_delete_unused_files(app, client, admin, session_factory):
    mug = add_product(session_factory)
    first = upload(client, admin, mug.id, photo(200, 100), alt="one").get_json()["id"]
    second = upload(client, admin, mug.id, photo(230, 100), alt="two").get_json()["id"]
    twin = upload(client, admin, mug.id, photo(230, 100), alt="same file").get_json()["id"]
    process_all(session_factory)
    patched = client.patch(f"/api/products/{mug.id}/images/{second}", headers=admin, json={"alt": "Two", "position": 0})
    assert patched.status_code == 200 and patched.get_json()["alt"] == "Two"
    images = published(session_factory)[-1].images
    assert [(str(i.id), i.alt) for i in images] == [(second, "Two"), (first, "one"), (twin, "same file")]
    files = len(stored_files(app))
    assert client.delete(f"/api/products/{mug.id}/images/{twin}", headers=admin).status_code == 204
    assert len(stored_files(app)) == files  # the twin's files are the second image's too
    assert client.delete(f"/api/products/{mug.id}/images/{first}", headers=admin).status_code == 204
    assert len(stored_files(app)) == files - 3  # its original and two variants
    assert [str(i.id) for i in published(session_factory)[-1].images] == [second]
    missing = client.delete(f"/api/products/{mug.id}/images/{first}", headers=admin)
    assert missing.status_code == 404 and first in missing.get_json()["error"]["message"]
    bad = client.patch(f"/api/products/{mug.id}/images/{second}", headers=admin, json={"alt": None})
    assert bad.status_code == 400


def test_the_edit_page_uploads_without_javascript_and_names_a_refused_file(
    app, client, admin_headers, session_factory, mint_token
):
    mug = add_product(session_factory)
    headers = admin_headers(app)
    client.set_cookie("scs_token", headers["Authorization"].removeprefix("Bearer "))
    edit = f"/admin/products/{mug.id}/edit"
    page = client.get(edit, headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        'enctype="multipart/form-data"' in html
        and 'type="file"' in html
        and 'accept="image/jpeg,image/png,image/webp"' in html
    )
    token = csrf_token(client, edit)
    form = {"csrf_token": token, "alt": "Mug", "file": (io.BytesIO(SVG), "logo.svg")}
    refused = client.post(
        f"/admin/products/{mug.id}/images", headers=headers, data=form, content_type="multipart/form-data"
    )
    assert refused.status_code == 400 and "SVG images are refused" in refused.get_data(as_text=True)
    form = {"csrf_token": token, "alt": "Mug", "file": (io.BytesIO(photo(200, 100)), "mug.jpg")}
    stored = client.post(
        f"/admin/products/{mug.id}/images", headers=headers, data=form, content_type="multipart/form-data"
    )
    assert stored.status_code == 302
    assert "Processing" in client.get(edit, headers=headers).get_data(as_text=True)
    process_all(session_factory)
    html = client.get(edit, headers=headers).get_data(as_text=True)
    [image_id] = [str(i.id) for i in published(session_factory)[-1].images]
    change = f"/admin/products/{mug.id}/images/{image_id}"
    saved = client.post(change, headers=headers, data={"csrf_token": token, "alt": "Blue mug", "action": "save"})
    assert saved.status_code == 302 and published(session_factory)[-1].images[0].alt == "Blue mug"
    too_long = client.post(change, headers=headers, data={"csrf_token": token, "alt": "x" * 301, "action": "save"})
    assert too_long.status_code == 302
    assert "Field cannot be longer than 300 characters" in client.get(edit, headers=headers).get_data(as_text=True)
    removed = client.post(change, headers=headers, data={"csrf_token": token, "alt": "", "action": "remove"})
    assert removed.status_code == 302 and published(session_factory)[-1].images == []
    assert (
        client.post(change, headers=headers, data={"alt": "", "action": "remove"}).status_code == 400
    )  # no CSRF token


def test_the_thumbnail_fragment_serves_the_first_image_with_absolute_urls_or_the_placeholder(
    app, client, admin, session_factory
):
    catalog = app.extensions["scs"].settings.system_urls["catalog"]
    user = app.extensions["scs"].settings.system_urls["user"]
    mug = add_product(session_factory)
    path = f"/fragments/v1/products/{mug.id}/thumbnail"
    empty = client.get(path, headers={"Origin": user})
    assert empty.status_code == 200 and "is-missing" in empty.get_data(as_text=True)
    assert empty.headers["Access-Control-Allow-Origin"] == user and "<html" not in empty.get_data(as_text=True)
    upload(client, admin, mug.id, photo(300, 200), alt="Mug from the side")
    process_all(session_factory)
    html = client.get(path).get_data(as_text=True)
    assert f'src="{catalog}/images/' in html and 'alt="Mug from the side"' in html and 'width="160"' in html
    assert client.get(f"/fragments/v1/products/{uuid.uuid4()}/thumbnail").status_code == 404


def test_the_upload_api_ignores_the_cookie_so_a_cross_site_form_cannot_upload(app, client, admin, session_factory):
    mug = add_product(session_factory)
    client.set_cookie("scs_token", admin["Authorization"].removeprefix("Bearer "))
    response = upload(client, {}, mug.id, photo(64, 48))
    assert response.status_code == 401
    assert stored_files(app) == [] and image_rows(session_factory) == 0
