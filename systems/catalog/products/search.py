"""The catalog's product search index: name and SKU weigh most, then the description."""

from federation.search import SearchIndex

PRODUCT_SEARCH = SearchIndex(table="products", key="id", columns=(("name", "A"), ("sku", "A"), ("description", "C")))
