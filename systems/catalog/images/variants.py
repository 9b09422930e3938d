"""Derived files of an image: resized WebP variants with the orientation applied and every metadata block left out."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

from systems.catalog.images.validation import MAX_PIXELS, MAX_SIDE, SUFFIXES

#: Widths made of every image (never wider than the original), for `srcset`: cards, product pages, zoom.
WIDTHS = (160, 480, 1200)
WEBP_QUALITY = 80


@dataclass(frozen=True)
class Variant:
    """One encoded rendition."""

    data: bytes
    width: int
    height: int


def make_variants(original: bytes) -> list[Variant]:
    """The WebP variants of `original`, narrowest first; raises ValueError for a file that cannot be processed."""
    try:
        with Image.open(BytesIO(original), formats=tuple(SUFFIXES)) as opened:
            if opened.width * opened.height > MAX_PIXELS or max(opened.size) > MAX_SIDE:
                raise ValueError(f"{opened.width} x {opened.height} pixels is over the limit")
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except ValueError:
        raise
    except Exception as error:  # Pillow's many error types on a broken file: one reason for the dead letter
        raise ValueError(f"cannot decode the original: {error}") from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    image = upright.convert("RGBA" if has_alpha else "RGB")
    variants: list[Variant] = []
    for wanted in WIDTHS:
        width = min(wanted, image.width)
        if variants and variants[-1].width == width:
            break
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = BytesIO()
        resized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)  # no exif/icc/xmp given: none written
        variants.append(Variant(buffer.getvalue(), width, height))
    return variants
