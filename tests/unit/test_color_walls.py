"""Walls from confident lines only (issue 38): faint construction lines and hatching bound no
colour, slivers and specks take their neighbour's, and a gap in a line of any colour stays closed.
The drawings, one of each kind, are made in tests/sketches.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.color import deltaE_cie76, rgb2lab

from paintsundo.coloring.procedural import colorize_layers, read_lines
from paintsundo.coloring.procedural.regions import gap_for
from sketches import ORANGE, RED, bird_head, colored_leak, doubled_strokes, face, hatched_cat, house

MAX_PAPER = 0.03  # of a scribbled region
MIN_NEAR = 0.6  # of a scribbled region, its shadows apart: this much within NEAR of its scribble
NEAR = 20.0  # CIE76 delta E


def near_share(colors: np.ndarray, color: tuple) -> float:
    """How much of `colours` (n 3, 0..255) lies within NEAR of `colour` in CIELAB."""
    target = rgb2lab(np.array(color, np.float64)[None] / 255.0)[0]
    return float(np.mean(deltaE_cie76(rgb2lab(colors / 255.0), target) < NEAR))


@pytest.mark.parametrize(
    "drawing", [bird_head, hatched_cat, house, face], ids=lambda drawing: drawing.__name__
)
def test_every_scribbled_region_fills_with_its_scribble_and_holes_stay_paper(drawing):
    """Ink over faint guides, pencil with hatching, figures with holes (a house's windows, eyes)."""
    made = drawing()
    layers = colorize_layers(made.sketch, made.hints, seed=0)
    paper = ~layers.flats_opacity.astype(bool)
    shown = layers.colors()
    for name, (inside, color) in made.regions.items():
        assert paper[inside].mean() <= MAX_PAPER, name
        lit = inside & (layers.shadows_opacity == 0)
        assert near_share(shown[lit], color) >= MIN_NEAR, name
    for row, column in made.holes:
        assert paper[row, column], (row, column)


@pytest.mark.parametrize("drawing", [bird_head, house, face], ids=lambda drawing: drawing.__name__)
def test_a_region_that_only_faint_guides_divide_stays_one(drawing):
    """The pieces a construction circle or cross cuts out of a head, a wall or a beak are one region,
    coloured under the guides."""
    made = drawing()
    layers = colorize_layers(made.sketch, made.hints, seed=0)
    for name, (inside, _) in made.regions.items():
        assert np.bincount(layers.regions[inside]).max() >= 0.99 * inside.sum(), name
        guides = made.guides & inside
        assert guides.sum() > 50 and layers.flats_opacity[guides].all(), name


def test_hatching_is_shading_under_the_region_color_and_stays_drawn():
    made = hatched_cat()
    layers = colorize_layers(made.sketch, made.hints, seed=0)
    body, _ = made.regions["body"]
    hatching = made.hatching & body
    assert near_share(layers.flats[hatching], ORANGE) >= 0.97, "the strokes' region fills under them"
    assert np.bincount(layers.regions[body]).max() >= 0.97 * body.sum(), "the legs and tail are the body's"
    darker = layers.colors()[hatching].mean(axis=-1) - layers.composite()[hatching].mean(axis=-1)
    assert np.median(darker) > 30, "the strokes stay drawn over the colour"


def test_hatching_is_told_from_the_contour_it_starts_from():
    from paintsundo.coloring.procedural.hatching import find_hatching  # new with issue 38

    made = hatched_cat()
    lines = read_lines(made.sketch)
    hatching = find_hatching(lines.barrier, gap_for(made.sketch.shape))
    assert hatching.strokes[made.hatching].mean() > 0.7, "the parallel strokes are hatching"
    beside = cv2.dilate(made.hatching.view(np.uint8), np.ones((7, 7), np.uint8)).view(bool)
    contour = lines.barrier & ~beside  # the outline, but where the strokes start from it
    assert not hatching.loose[contour].any() and hatching.strokes[contour].mean() < 0.02, "the outline is not"
    assert 0 < hatching.loose.sum() < hatching.strokes.sum(), "strokes from line to line stay walls"
    assert 1.5 < hatching.line_width < 8


def test_slivers_and_specks_take_their_neighbours_color():
    """A stroke gone over twice and a pen's tiny loop leave no pinholes of paper in the colour."""
    made = doubled_strokes()
    layers = colorize_layers(made.sketch, made.hints, seed=0)
    inside, _ = made.regions["square"]
    assert layers.flats_opacity[inside].all()


def test_a_small_gap_in_a_colored_ink_line_holds_the_color_in():
    """A yellow line is as much a wall as a black one: its gap closes like theirs."""
    made = colored_leak()
    layers = colorize_layers(made.sketch, made.hints, seed=0)
    ring, _ = made.regions["ring"]
    colored = layers.flats_opacity.astype(bool)
    assert colored[ring].mean() >= 1 - MAX_PAPER and near_share(layers.flats[ring], RED) > 0.97
    lines = read_lines(made.sketch).barrier
    around = np.ones(ring.shape, bool)
    around[10:-10, 10:-10] = False  # the paper round the picture's edge, far from every line
    assert not colored[around & ~lines].any(), "the colour did not leak out of the ring"
