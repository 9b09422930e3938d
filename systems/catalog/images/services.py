"""Adding, re-labelling, ordering and removing a product's images: shared by the admin's pages and the API."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation import outbox
from federation.file_store import FileStore, content_key
from federation.text import text_problem
from shared_contracts.catalog import ProductImageUploaded
from systems.catalog.images.models import PROCESSING, READY, ProductImage
from systems.catalog.images.validation import ImageRefused, check_upload
from systems.catalog.products.events import record_change
from systems.catalog.products.models import Product

UPLOADED = "catalog.product_image.uploaded"
MAX_IMAGES = 12
MAX_ALT = 300
#: What is served: variants only (an original keeps the metadata the variants leave out).
VARIANT_NAME = re.compile(r"^[0-9a-f]{64}\.webp$")


def add_image(
    session: Session, store: FileStore, product: Product, data: bytes, filename: str, alt: str
) -> ProductImage:
    """Check the upload, store the original, record the image as processing and add its own event; the caller commits.

    Nothing is stored for a refused file (ImageRefused names the problem).
    """
    if product.discontinued:
        raise ImageRefused(f"“{product.name}” is discontinued; its images can no longer be changed.")
    if len(product.images) >= MAX_IMAGES:
        raise ImageRefused(f"A product has at most {MAX_IMAGES} images; remove one first.")
    accepted = check_upload(data, filename)
    key = content_key("originals", data, accepted.suffix)
    store.put(key, data)
    position = max((image.position for image in product.images), default=-1) + 1
    image = ProductImage(
        product_id=product.id, position=position, alt=alt, state=PROCESSING, original=key, original_bytes=len(data)
    )
    product.images.append(image)
    session.flush()
    uploaded = ProductImageUploaded(image_id=image.id, product_id=product.id, original=key)
    outbox.add(session, UPLOADED, uploaded, aggregate_id=image.id, aggregate_version=1)
    return image


def relabel_image(session: Session, product: Product, image: ProductImage, alt: str) -> bool:
    """Change the alternative text; a processed image's product is published again. False if nothing changed."""
    if image.alt == alt:
        return False
    image.alt = alt
    if image.state == READY:
        record_change(session, product)
    return True


def move_image(session: Session, product: Product, image: ProductImage, offset: int) -> bool:
    """Move an image `offset` places (-1: earlier, 1: later); False at either end."""
    images = list(product.images)
    old = images.index(image)
    new = old + offset
    if not 0 <= new < len(images):
        return False
    images.insert(new, images.pop(old))
    for position, each in enumerate(images):
        each.position = position
    product.images.sort(key=lambda each: each.position)
    if image.state == READY:
        record_change(session, product)
    return True


def remove_image(session: Session, product: Product, image: ProductImage) -> list[str]:
    """Forget the image (published when it was shown); its files' keys, original first, for `delete_unused_files`."""
    keys = [image.original, *(variant_key(variant["url"]) for variant in image.variants)]
    was_ready = image.state == READY
    product.images.remove(image)
    session.flush()
    if was_ready:
        record_change(session, product)
    return keys


def delete_unused_files(session: Session, store: FileStore, keys: list[str]) -> None:
    """After the removal committed: delete an original and its variants unless another image has the same original.

    Equal uploads share their original, and the same original makes the same variants; anything else is unshared.
    """
    if keys and not session.scalar(select(func.count(ProductImage.id)).where(ProductImage.original == keys[0])):
        for key in keys:
            store.delete(key)


def variant_key(url: str) -> str:
    """The file key of a variant's URL path (`/images/<hash>.webp` -> `variants/<hash>.webp`)."""
    return image_key(url.removeprefix("/images/"))


def image_url(key: str) -> str:
    """The URL path a variant is served at (relative to the catalog's base URL)."""
    return "/images/" + key.removeprefix("variants/")


def image_key(name: str) -> str:
    """The file key of a served name (`<hash>.webp`); ValueError for anything else, so only variants are served."""
    if not VARIANT_NAME.match(name):
        raise ValueError(name)
    return "variants/" + name


def checked_alt(alt: str) -> str:
    """The alternative text, stripped; refused when too long or not plain single-line text."""
    alt = alt.strip()
    if len(alt) > MAX_ALT:
        raise ImageRefused(f"The alternative text is longer than {MAX_ALT} characters.")
    problem = text_problem(alt)
    if problem:
        raise ImageRefused(f"Alternative text: {problem}")
    return alt
