"""Pictures of the demo products, drawn here (no files of anyone else's, so no rights to clear): a tinted card per product."""

from __future__ import annotations

import colorsys
import hashlib
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 960, 720


def demo_picture(sku: str, name: str) -> bytes:
    """A 960 x 720 PNG: a soft two-tone background in a hue of the SKU's own, a disc and the name's initials."""
    hue = int(hashlib.sha256(sku.encode()).hexdigest()[:4], 16) / 0xFFFF
    light = _rgb(hue, 0.93, 0.35)
    deep = _rgb(hue, 0.42, 0.45)
    image = Image.new("RGB", (WIDTH, HEIGHT), light)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT * 0.68, WIDTH, HEIGHT), fill=_rgb(hue, 0.86, 0.30))
    draw.ellipse((WIDTH / 2 - 230, HEIGHT / 2 - 250, WIDTH / 2 + 230, HEIGHT / 2 + 210), fill=deep)
    initials = "".join(word[0] for word in name.replace("-", " ").split()[:2]).upper()
    font = ImageFont.load_default(size=190)
    draw.text((WIDTH / 2, HEIGHT / 2 - 20), initials, fill=light, font=font, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    """An HLS colour as 8-bit RGB."""
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)
