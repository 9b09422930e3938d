"""GET /images/<name>: a variant file, cacheable for ever (its name is its content's hash)."""

from flask import Response, abort

from federation.file_store import file_store
from federation.web import runtime
from systems.catalog.images.services import image_key

CACHE_FOR_EVER = "public, max-age=31536000, immutable"


def serve_image(name: str):
    """The WebP bytes with an immutable cache header and nosniff; 404 for any other name or a removed file."""
    try:
        data = file_store(runtime().settings).get(image_key(name))
    except (ValueError, FileNotFoundError):
        abort(404)
    response = Response(data, content_type="image/webp")
    response.headers["Cache-Control"] = CACHE_FOR_EVER
    response.headers["ETag"] = f'"{name.split(".", 1)[0]}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
