"""The route table of images: the admin's forms on the edit page, the JSON API, and the variant files."""

from federation.routing import Route
from systems.catalog.images.restful.add_product_image import add_product_image
from systems.catalog.images.restful.change_product_image import change_product_image
from systems.catalog.images.restful.delete_product_image import delete_product_image
from systems.catalog.images.restful.list_product_images import list_product_images
from systems.catalog.images.restful.serve_image import serve_image
from systems.catalog.images.restful.show_product_thumbnail import show_product_thumbnail
from systems.catalog.images.restful.update_product_image import update_product_image
from systems.catalog.images.restful.upload_product_image import upload_product_image
from systems.catalog.images.validation import MAX_BYTES

#: The file plus the multipart envelope and the other fields; a larger body is refused (413) before it is read.
UPLOAD_BODY_BYTES = MAX_BYTES + 64 * 1024

ROUTES = [
    Route("/images/<name>", serve_image),
    Route("/fragments/v1/products/<uuid:product_id>/thumbnail", show_product_thumbnail),
    Route(
        "/admin/products/<uuid:product_id>/images",
        add_product_image,
        methods=("POST",),
        max_body_bytes=UPLOAD_BODY_BYTES,
    ),
    Route("/admin/products/<uuid:product_id>/images/<uuid:image_id>", change_product_image, methods=("POST",)),
    Route("/api/products/<uuid:product_id>/images", list_product_images),
    Route(
        "/api/products/<uuid:product_id>/images",
        upload_product_image,
        methods=("POST",),
        max_body_bytes=UPLOAD_BODY_BYTES,
    ),
    Route("/api/products/<uuid:product_id>/images/<uuid:image_id>", update_product_image, methods=("PATCH",)),
    Route("/api/products/<uuid:product_id>/images/<uuid:image_id>", delete_product_image, methods=("DELETE",)),
]
