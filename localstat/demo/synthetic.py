"""Names for the synthetic chains: invented, and labelled synthetic wherever they are shown."""

from __future__ import annotations

import numpy as np

_FIRST = [
    "Ash",
    "Beech",
    "Birch",
    "Bram",
    "Brook",
    "Cherry",
    "Clay",
    "Cold",
    "Elm",
    "Fern",
    "Glen",
    "Hazel",
    "Heath",
    "Holly",
    "Kings",
    "Lark",
    "Maple",
    "Mill",
    "Moor",
    "Oak",
    "Orchard",
    "Park",
    "Pine",
    "Queens",
    "Red",
    "Rose",
    "Sand",
    "Stone",
    "Thorn",
    "Wood",
    "Willow",
    "Yew",
]
_SECOND = ["field", "wood", "bank", "hill", "ford", "lea", "mead", "well", "gate", "dale", "combe", "croft"]


def place_names(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` different invented place names, the same for the same generator state."""
    pairs = [f"{first}{second}" for first in _FIRST for second in _SECOND]
    if count > len(pairs):
        raise ValueError(f"Only {len(pairs)} invented place names are available, not {count}.")
    chosen = rng.choice(len(pairs), size=count, replace=False)
    return [pairs[i] for i in chosen]
