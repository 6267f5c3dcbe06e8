"""How a picture is lit: where the light comes from, how deep and cool its shadows are, how soft
their edge, how bright its lights. Presets name the usual choices; without one, each seed draws its
own, and seeds next to each other light the picture from the left, from above and from the right."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from paintsundo.errors import PaintsUndoError

# Light from the upper left, from above and from the upper right, by the seed's remainder by 3: any
# three candidates from consecutive seeds are lit from all three. Angles from +x, y down.
SECTORS = (-165.0, -90.0, -15.0)
SECTOR_JITTER = 6.0  # degrees either side of a sector's centre
SOFT = 0.2  # softness from which an edge reads as soft rather than a hard cel edge
# Eight compass points, from the right counter-clockwise as the picture is seen (y down).
DIRECTIONS = (
    "the right", "upper right", "above", "upper left", "the left", "lower left", "below", "lower right",
)  # fmt: skip


@dataclass(frozen=True)
class Lighting:
    """A picture's shading choices. `angle` is where the light comes from, in degrees from the
    picture's +x axis with y down: -180 from the left, -90 from above, 0 from the right; None draws
    it from the seed. Tones are steps in CIELAB lightness (L*, 0..100)."""

    angle: float | None = None
    depth: float = 18.0  # L* the shadow tone lies below its flat colour
    coolness: float = 8.0  # degrees of hue the shadow tone turns towards blue (the light's, towards warm)
    softness: float = 0.0  # 0: a hard cel edge; 1: the shadow fades in over its whole reach
    reach: float = 0.55  # how far a shadow reaches into a shape, of the shape's half-thickness
    highlight: float = 9.0  # L* the light tone lies above its flat colour; 0: no highlights

    def __post_init__(self) -> None:
        limits = {"depth": (0.0, 60.0), "coolness": (0.0, 45.0), "softness": (0.0, 1.0)}
        limits |= {"reach": (0.05, 2.0), "highlight": (0.0, 40.0)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise PaintsUndoError(
                    f"the shading's {name} must be between {low:g} and {high:g}, got {value:g}", "shading"
                )

    def describe(self) -> str:
        """In words, as a contact sheet labels it: "light from upper left, soft" (or "cel": a hard
        edge)."""
        edge = "soft" if self.softness >= SOFT else "cel"
        if self.angle is None:
            return f"light from the seed, {edge}"
        point = round(-self.angle / 45.0) % len(DIRECTIONS)
        return f"light from {DIRECTIONS[point]}, {edge}"

    def as_record(self) -> dict[str, float | None]:
        """The manifest's entry: every field, rounded to what a reader needs."""
        return {
            name: None if value is None else round(float(value), 2)
            for name, value in dataclasses.asdict(self).items()
        }


PRESETS = {
    "soft": Lighting(depth=14.0, coolness=8.0, softness=0.6, reach=0.55, highlight=7.0),
    "cel": Lighting(depth=20.0, coolness=10.0, softness=0.0, reach=0.5, highlight=10.0),
}
# auto: each seed draws its own lighting. `coloring.choices.COLORIZE_SHADINGS` names the same, for the
# command line to offer them without loading this package.
SHADINGS = ("auto", *PRESETS)


def check_shading(shading: str | Lighting) -> None:
    """Refuse a shading that names no preset (a Lighting checks its own values)."""
    if isinstance(shading, str) and shading not in SHADINGS:
        raise PaintsUndoError(f"unknown shading {shading!r}: choose {', '.join(SHADINGS)}", "shading")


def lighting_for(shading: str | Lighting, seed: int) -> Lighting:
    """The lighting of the candidate from `seed`: a Lighting as given (its angle drawn from the seed
    when None), a preset's tones and edge with an angle from the seed, or with "auto" all drawn."""
    rng = np.random.default_rng([seed % 2**32, 38])  # its own stream: the palette's draws don't move it
    angle = SECTORS[seed % len(SECTORS)] + rng.uniform(-SECTOR_JITTER, SECTOR_JITTER)
    if isinstance(shading, Lighting):
        return shading if shading.angle is not None else dataclasses.replace(shading, angle=angle)
    if shading == "auto":
        soft = seed % 2 == 0  # neighbouring seeds alternate soft and hard edges
        return Lighting(
            angle=angle,
            depth=rng.uniform(14.0, 22.0),
            coolness=rng.uniform(6.0, 12.0),
            softness=rng.uniform(0.45, 0.7) if soft else 0.0,
            reach=rng.uniform(0.48, 0.58) if soft else rng.uniform(0.42, 0.55),
            highlight=rng.uniform(6.0, 9.0) if soft else rng.uniform(8.0, 12.0),
        )
    check_shading(shading)
    return dataclasses.replace(PRESETS[shading], angle=angle)
