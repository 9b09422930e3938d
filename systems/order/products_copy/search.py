"""The search index of order's product copy, so customers can search while the catalog is down."""

from federation.search import SearchIndex

PRODUCT_COPY_SEARCH = SearchIndex(
    table="product_copy", key="id", columns=(("name", "A"), ("sku", "A"), ("description", "C"))
)
