"""The event table of images: the catalog reacts to its own upload event by making the variants."""

from systems.catalog.images.reactive.on_product_image_uploaded import on_product_image_uploaded
from systems.catalog.images.services import UPLOADED

EVENT_HANDLERS = {UPLOADED: on_product_image_uploaded}
