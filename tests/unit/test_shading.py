"""The procedural colourist's shading, as a colourist judges it: shadow tones a moderate step darker,
a little cooler and as colourful as their flat; shadows on the side of each shape away from the
light and never along the edge of a hole in it; sparing lights; candidates lit in different ways."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from skimage.color import rgb2lab

from figures import DOOR_BOX, EYE_COLUMNS, EYE_ROW, ORANGE, SKIN, SKY, WALL, WINDOWS, ball, bust, face, house
from paintsundo.coloring.procedural import Lighting, colorize_layers
from paintsundo.errors import PaintsUndoError

SEEDS = range(8)
COOL_HUE = -75.0  # CIELAB hue angle of an ultramarine blue: "cooler" is nearer it
FLATS = [SKY, ORANGE, SKIN, WALL, (150, 110, 190), (120, 150, 60)]  # sky, orange, skin, tan, lavender, olive


@cache
def colored(figure: str, seed: int, hidden: str = ""):
    """A figure coloured from `seed`; with `hidden` naming what to leave out of the drawing (its
    holes), the same figure without them."""
    sketch, hints = {"ball": ball, "face": face, "house": house}[figure]()
    if hidden:  # drawn over in white, and their scribbles taken away
        sketch, hints = sketch.copy(), hints.copy()
        for top, left, bottom, right in HOLES[hidden]:
            sketch[top:bottom, left:right] = 255
            hints[top:bottom, left:right] = 0
    return colorize_layers(sketch, hints, seed=seed)


# What a drawing loses to become the same figure without its holes: (top, left, bottom, right).
HOLES = {
    "eyes": [(EYE_ROW - 20, column - 34, EYE_ROW + 21, column + 35) for column in EYE_COLUMNS],
    "windows": [(top - 3, left - 3, bottom + 4, right + 4) for left, top, right, bottom in WINDOWS],
    "door": [(DOOR_BOX[1] - 3, DOOR_BOX[0] - 3, DOOR_BOX[3] - 2, DOOR_BOX[2] + 4)],
}


def lch(rgb) -> np.ndarray:
    """CIELAB lightness, chroma and hue angle (degrees) of RGB colours (n 3, 0..255)."""
    lab = rgb2lab(np.asarray(rgb, np.float64).reshape(-1, 1, 3) / 255.0)[:, 0]
    return np.stack(
        [lab[:, 0], np.hypot(lab[:, 1], lab[:, 2]), np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))], 1
    )


def from_cool(hue: np.ndarray) -> np.ndarray:
    return np.abs((hue - COOL_HUE + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize("flat", FLATS)
def test_a_shadow_tone_is_a_moderate_step_darker_a_little_cooler_and_as_colorful(flat):
    """Not the navy (32, 64, 160) that sky blue became, nor brick from orange: a colourist's step."""
    sketch, hints = ball(flat)
    for seed in SEEDS:
        layers = colorize_layers(sketch, hints, seed=seed)
        shadow = layers.shadows_opacity > 0.99
        assert shadow.sum() > 500, seed
        (light, chroma, hue), (dark, dark_chroma, dark_hue) = lch(
            [layers.flats[120, 130], layers.shadows[shadow][0]]
        )
        assert 12.0 <= light - dark <= 25.0, (seed, light, dark)
        assert abs(dark_chroma - chroma) <= 4.0, (seed, chroma, dark_chroma)
        assert 2.0 <= from_cool(hue) - from_cool(dark_hue) <= 20.0, (seed, hue, dark_hue)


def test_a_light_tone_is_a_smaller_step_lighter():
    sketch, hints = ball(SKY)
    for seed in SEEDS:
        layers = colorize_layers(sketch, hints, seed=seed)
        lit = layers.highlights_opacity > 0.5
        assert lit.any(), seed
        (light, *_), (shadow, *_), (lighter, *_) = lch(
            [layers.flats[120, 130], layers.shadows[120, 130], layers.highlights[lit][0]]
        )
        assert 3.0 <= lighter - light < light - shadow, seed


@pytest.mark.parametrize(("figure", "hidden"), [("face", "eyes"), ("house", "windows"), ("house", "door")])
def test_a_hole_lays_no_shadow_along_its_edge(figure, hidden):
    """The face around an eye, the wall around a window or a door is shaded as if the hole were not
    there: no band above or beside a window, no eyebrow over an eye."""
    for seed in SEEDS:
        holed, whole = colored(figure, seed), colored(figure, seed, hidden)
        shape = (
            holed.regions == holed.regions[300, 80]
            if figure == "house"
            else holed.regions == holed.regions[60, 160]
        )
        ring = np.zeros(shape.shape, np.uint8)
        for top, left, bottom, right in HOLES[hidden]:
            ring[top - 8 : bottom + 8, left - 8 : right + 8] = 1
        ring = ring.astype(bool) & shape  # the shape's pixels beside the holes
        assert ring.sum() > 500
        extra = (holed.shadows_opacity > 0.1) & (whole.shadows_opacity < 0.1) & ring
        assert extra.sum() < 0.01 * ring.sum(), (seed, holed.lighting, extra.sum())


@pytest.mark.parametrize("angle", [-165.0, -135.0, -90.0, -45.0, -15.0, 60.0])
def test_shadows_fall_on_the_side_away_from_the_light_and_lights_on_its_side(angle):
    sketch, hints = ball()
    layers = colorize_layers(sketch, hints, shading=Lighting(angle=angle), seed=0)
    assert layers.lighting.angle == angle
    towards = np.array([np.sin(np.deg2rad(angle)), np.cos(np.deg2rad(angle))])  # (row, column), y down
    for opacity, side in ((layers.shadows_opacity, -1), (layers.highlights_opacity, 1)):
        rows, columns = np.nonzero(opacity > 0.5)
        offset = np.array([rows.mean() - 120, columns.mean() - 130]) @ towards
        assert side * offset > 30, (angle, offset)  # the ball's radius is 90


def test_a_shape_the_frame_cuts_is_shaded_and_the_ground_behind_it_is_not():
    sketch, hints = bust()
    for seed in SEEDS:
        layers = colorize_layers(sketch, hints, seed=seed)
        shape, ground = layers.regions == layers.regions[180, 130], layers.regions == layers.regions[20, 20]
        assert (layers.shadows_opacity[shape] > 0.5).sum() > 100, seed
        assert not (layers.shadows_opacity + layers.highlights_opacity)[ground].any(), seed
        if -120.0 < layers.lighting.angle < -60.0:  # from above: the frame at its foot is no edge of it
            assert not layers.shadows_opacity[-8:, 80:180].any(), seed


@pytest.mark.parametrize("figure", ["ball", "face", "house"])
def test_highlights_are_sparing(figure):
    for seed in SEEDS:
        layers = colored(figure, seed)
        shaded = np.unique(layers.regions[layers.shadows_opacity > 0])
        shares = [layers.highlights_opacity[layers.regions == region].mean() for region in shaded]
        assert max(shares) <= 0.08, (seed, max(shares))
        assert layers.highlights_opacity.sum() > 0, seed


@pytest.mark.parametrize("figure", ["ball", "face", "house"])
def test_three_candidates_are_lit_from_the_left_above_and_the_right(figure):
    """Whatever the seed, three candidates from consecutive seeds differ in their lighting, and no two
    of their shadows overlap by more than 60% (intersection over union)."""
    for start in SEEDS:
        candidates = [colored(figure, start + index) for index in range(3)]
        angles = sorted(candidate.lighting.angle for candidate in candidates)
        assert angles[0] < -135.0 and -115.0 < angles[1] < -65.0 and angles[2] > -45.0, angles
        assert len({candidate.lighting.softness > 0.2 for candidate in candidates}) == 2, "soft and cel"
        masks = [candidate.shadows_opacity > 0 for candidate in candidates]
        for first in range(3):
            for second in range(first + 1, 3):
                union = (masks[first] | masks[second]).sum()
                assert (masks[first] & masks[second]).sum() <= 0.6 * union, (start, first, second)


def test_the_command_line_offers_the_shadings_there_are():
    from paintsundo.coloring.choices import COLORIZE_SHADINGS
    from paintsundo.coloring.procedural import SHADINGS

    assert COLORIZE_SHADINGS == SHADINGS


def test_presets_fix_the_tone_and_edge_and_a_lighting_is_taken_as_given():
    sketch, hints = ball()
    cel = colorize_layers(sketch, hints, seed=4, shading="cel")
    soft = colorize_layers(sketch, hints, seed=4, shading="soft")
    assert cel.lighting.softness == 0 and soft.lighting.softness > 0.2
    assert cel.lighting.angle == soft.lighting.angle, "the seed picks the light's side"
    partial = (cel.shadows_opacity > 0.05) & (cel.shadows_opacity < 0.95)
    fading = (soft.shadows_opacity > 0.05) & (soft.shadows_opacity < 0.95)
    assert fading.sum() > 5 * max(partial.sum(), 1), "a soft edge fades, a cel edge does not"
    given = Lighting(angle=-45.0, depth=15.0, softness=0.3)
    assert colorize_layers(sketch, hints, seed=9, shading=given).lighting == given
    with pytest.raises(PaintsUndoError, match="unknown shading 'flat': choose auto, soft, cel"):
        colorize_layers(sketch, hints, shading="flat")
    with pytest.raises(PaintsUndoError, match="depth must be between 0 and 60"):
        Lighting(depth=-5.0)


def test_each_candidate_says_its_lighting_in_the_manifest_and_on_the_contact_sheet(tmp_path, monkeypatch):
    import paintsundo.coloring.api as api

    shown = []
    sheet = api.picture_sheet
    monkeypatch.setattr(
        api, "picture_sheet", lambda pictures, title: shown.extend(pictures) or sheet(pictures, title)
    )
    sketch, hints = ball()
    result = api.make_colorized(sketch, tmp_path / "ball.png", hints=hints, count=3, seed=30)
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["shading"] == "auto"
    lightings = [entry["lighting"] for entry in manifest["candidates"]]
    assert {"angle", "depth", "softness", "description"} <= set(lightings[0])
    assert len({lighting["description"] for lighting in lightings}) == 3
    assert [label for label, _ in shown] == [
        f"seed {30 + index} · {lighting['description']}" for index, lighting in enumerate(lightings)
    ]
    assert lightings[0]["description"] == "light from the left, soft"
    assert result.contact_sheet.exists()
