"""Image files for the upload tests, made with Pillow: photos with EXIF, and the hostile files an upload must refuse."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def photo(width: int = 1600, height: int = 1200, fmt: str = "JPEG", *, orientation: int | None = None) -> bytes:
    """A gradient image; JPEGs carry EXIF with a camera make, GPS data and (if given) an orientation tag."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "TestCam"
        exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0)}
        if orientation:
            exif[ORIENTATION] = orientation
        image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def polyglot_zip() -> bytes:
    """A JPEG with a ZIP archive appended (opens as both)."""
    return photo(64, 48) + b"PK\x03\x04" + b"\0" * 26 + b"payload.js"


def polyglot_html() -> bytes:
    """A JPEG whose comment segment holds an HTML script."""
    jpeg = photo(64, 48)
    comment = b"<html><script>alert(document.cookie)</script></html>"
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def corrupted_png() -> bytes:
    """A PNG whose compressed pixel data was overwritten in the middle (header and end intact)."""
    data = bytearray(photo(200, 150, "PNG"))
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x5a" * 64
    return bytes(data)
