"""Believable products by the thousand for `scs demo-data --products N`: deterministic, so every run is the same shop."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

#: (noun, base price in cents, what it is for)
NOUNS = (
    ("mug", 1400, "for coffee and tea"),
    ("teapot", 4200, "brews four cups"),
    ("bowl", 1800, "for soup, salad or cereal"),
    ("plate", 1600, "for everyday meals"),
    ("carafe", 2600, "for water and wine"),
    ("tumbler", 1100, "for water and juice"),
    ("jar", 900, "keeps dry goods fresh"),
    ("tray", 2800, "for serving"),
    ("kettle", 5200, "for the stove top"),
    ("dripper", 2300, "for pour-over coffee"),
    ("grinder", 6400, "with conical burrs"),
    ("spoon", 500, "for stirring and tasting"),
    ("board", 3200, "for chopping and serving"),
    ("towel", 1300, "for drying dishes"),
    ("basket", 2500, "for bread and fruit"),
    ("canister", 1700, "for tea leaves"),
    ("pitcher", 2900, "for milk or lemonade"),
    ("skillet", 5900, "for searing and baking"),
    ("whisk", 800, "for sauces and batter"),
    ("colander", 2100, "for pasta and greens"),
)
MATERIALS = (
    "enamel",
    "stoneware",
    "porcelain",
    "glass",
    "bamboo",
    "oak",
    "walnut",
    "olive wood",
    "linen",
    "copper",
    "cast-iron",
    "stainless",
    "ceramic",
    "terracotta",
    "birch",
    "slate",
    "marble",
    "wicker",
    "brass",
    "cork",
)
ADJECTIVES = (
    "classic",
    "speckled",
    "matte",
    "glazed",
    "hand-thrown",
    "rustic",
    "nordic",
    "heritage",
    "compact",
    "tall",
    "wide",
    "stackable",
    "hammered",
    "ribbed",
    "fluted",
    "smoked",
    "frosted",
    "everyday",
    "travel",
    "grand",
)
COLOURS = ("white", "black", "sage", "ochre", "navy", "terracotta", "sand", "forest green", "slate grey", "cream")
SIZES = ("small", "medium", "large", "family size", "350 ml", "500 ml", "1 l", "20 cm", "28 cm", "set of 4")


@dataclass(frozen=True)
class GeneratedProduct:
    """The fields of one generated product."""

    sku: str
    name: str
    description: str
    price_cents: int
    stock: int


def generated_products(start: int, count: int, seed: int = 2026) -> Iterator[GeneratedProduct]:
    """Products number `start` to `start + count - 1`; product n is always the same (seeded per number)."""
    for number in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + number)
        noun, base, purpose = rng.choice(NOUNS)
        material, adjective = rng.choice(MATERIALS), rng.choice(ADJECTIVES)
        colour, size = rng.choice(COLOURS), rng.choice(SIZES)
        price = max(199, round(base * rng.uniform(0.6, 2.2) / 10) * 10 - 1)
        stock = 0 if rng.random() < 0.05 else rng.randint(1, 250)
        yield GeneratedProduct(
            sku=f"{noun[:3].upper()}-{number:06d}",
            name=f"{adjective.capitalize()} {material} {noun}, {colour}"[:200],
            description=f"A {size} {material} {noun} in {colour}, {purpose}. Model {number:06d}.",
            price_cents=price,
            stock=stock,
        )
