"""The first check of an uploaded image, before anything is stored: size, type, name, pixels, a full decode."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

MAX_BYTES = 8 * 1024 * 1024
#: Limit on width x height, checked from the header before any pixel is decoded (a decompression bomb is refused).
MAX_PIXELS = 24_000_000
MAX_SIDE = 10_000
#: Formats accepted, by the extensions a file of that format may carry; what is stored as the original's suffix.
EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
SUFFIXES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
#: Markup that makes a file a polyglot a browser could run (HTML, SVG, PHP): never inside a plain photo.
MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe|\?php)[\s>/]|javascript:", re.IGNORECASE)
SVG_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml|svg|!doctype\s+svg)", re.IGNORECASE)

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, in case a format decodes more than its header said


class ImageRefused(ValueError):
    """An upload that is not accepted; the message names the problem for the admin."""


@dataclass(frozen=True)
class AcceptedImage:
    """What the first check learnt about an accepted upload."""

    format: str
    suffix: str
    width: int
    height: int


def check_upload(data: bytes, filename: str) -> AcceptedImage:
    """Refuse anything that is not a whole JPEG, PNG or WebP matching its file name and within the limits."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not data:
        raise ImageRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if extension == "svg" or SVG_START.match(data[:512]):
        raise ImageRefused("SVG images are refused: they can carry scripts. Upload a JPEG, PNG or WebP.")
    if extension not in EXTENSIONS:
        raise ImageRefused("Upload a .jpg, .jpeg, .png or .webp file (the name must end in its type).")
    if MARKUP.search(data):
        raise ImageRefused("The file contains markup or script besides the image (a polyglot) and is refused.")
    image_format = _decode(data)
    if EXTENSIONS[extension] != image_format.format:
        raise ImageRefused(
            f"The file is named .{extension} but its content is {image_format.format}; rename it or re-export it."
        )
    if _has_trailing_data(data, image_format.format):
        raise ImageRefused("The file has data after the end of the image (a polyglot) and is refused.")
    return image_format


def _decode(data: bytes) -> AcceptedImage:
    """Open the header, check the pixel count, then decode every pixel (a truncated or corrupt file fails here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=tuple(SUFFIXES)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise ImageRefused(
                        f"The image is {width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels "
                        f"and {MAX_SIDE} pixels a side are accepted."
                    )
                image_format = str(image.format)
                image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(f"The image has more than {MAX_PIXELS // 1_000_000} megapixels.") from None
    except Image.UnidentifiedImageError:
        raise ImageRefused("The file is not an image in a supported format (JPEG, PNG or WebP).") from None
    except Exception:  # Pillow raises many kinds of errors on hostile input; each means the same to the admin
        raise ImageRefused("The image is truncated or corrupted and could not be read.") from None
    return AcceptedImage(image_format, SUFFIXES[image_format], width, height)


def _has_trailing_data(data: bytes, image_format: str) -> bool:
    """Bytes after the image's own end: where a ZIP, HTML or script hides in a polyglot."""
    if image_format == "JPEG":
        return not data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return not data.endswith(b"IEND\xaeB`\x82")
    riff_size = int.from_bytes(data[4:8], "little") + 8
    return len(data) > riff_size + (riff_size % 2)
