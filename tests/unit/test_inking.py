"""Line art inked as a pen lays it: as much ink as the line has, dots kept, no beads where strokes meet."""

import itertools
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from paintsundo.undo.procedural import DrawingProcess
from paintsundo.undo.procedural.inking import ink_strokes
from paintsundo.undo.procedural.marks import Mark
from paintsundo.undo.procedural.workflows.pencil import FIRST_PASS

BALLOON = Path(__file__).parents[1] / "data" / "kinds" / "pencil-balloon.png"
EXAMPLE = Path(__file__).parents[2] / "examples" / "1.jpg"


def test_a_soft_thin_line_is_inked_with_its_own_ink_not_its_blurred_edge():
    # A line three pixels wide, softened as a scan softens it: the mask of where it shows takes in
    # its soft edge, and a pen as wide as the mask lays half as much ink again as the line has.
    ink = np.zeros((300, 400), np.float32)
    ink[149:152, 20:380] = 1.0
    ink = np.clip(cv2.GaussianBlur(ink, (0, 0), 0.8), 0.0, 1.0)
    picture = np.repeat((255 * (1 - ink))[..., None], 3, axis=-1).astype(np.uint8)
    lines = ink > 0.25
    ink_across = float(ink[:, 200].sum())  # the ink a cut across the line meets, in pixels of full ink

    def laid_across(marks: list[Mark]) -> float:
        # Along the middle of the line, a pen's width times the darkness of its colour.
        laid = [
            mark.widths[len(mark.widths) // 3 : -len(mark.widths) // 3] * (1 - mark.color[0] / 255)
            for mark in marks
        ]
        return float(np.median(np.concatenate(laid)))

    plain, _ = ink_strokes(picture, lines, np.random.default_rng(0))
    weighed, _ = ink_strokes(picture, lines, np.random.default_rng(0), coverage=ink)
    assert laid_across(plain) > 1.4 * ink_across
    assert abs(laid_across(weighed) - ink_across) < 0.15 * ink_across


def test_dots_are_inked_and_knots_where_lines_meet_are_not():
    lines = np.zeros((120, 160), bool)
    cv2.circle(lines.view(np.uint8), (30, 30), 2, 1, -1)  # an eye
    lines[80, 20:140] = True  # a line, and a second crossing it: a knot where they meet
    lines[40:120, 80] = True
    picture = np.where(lines[..., None], 0, 255).astype(np.uint8).repeat(3, axis=-1)
    marks, _ = ink_strokes(picture, lines, np.random.default_rng(0))
    starts = [tuple(np.round(mark.path[0]).astype(int)) for mark in marks]
    assert any(abs(x - 30) <= 2 and abs(y - 30) <= 2 for x, y in starts), "the eye is inked"
    dots = [mark for mark in marks if np.ptp(mark.path, axis=0).max() < 3]
    assert len(dots) == 1, "and is the only dot: the knot at the crossing is no mark of its own"


def test_a_light_first_pass_lays_no_beads_where_its_strokes_meet():
    """A drawing in line alone goes down lightly first: less graphite, not a see-through line, so
    where two strokes overlap (the pieces of a long line, lines at a junction) it is no darker."""
    picture = np.asarray(Image.open(BALLOON).convert("RGB").resize((200, 200), Image.Resampling.LANCZOS))
    process = DrawingProcess(picture, frames=60, seed=3, workflow="pencil", behaviours=frozenset())
    lines = next(item for item in process.stages if item.name == "lines")
    inked = [mark for mark in process.plan.marks if mark.layer == "paint" and mark.kind == "line"]
    light = [mark for mark in inked if mark.start < lines.end]
    assert len(light) >= 20 and len(inked) > len(light), "a light pass, then the lines given their weight"
    darkest_ink = min(min(mark.color) for mark in inked)
    one_pass = 255.0 - FIRST_PASS * (255.0 - darkest_ink)
    shown = process.frame(lines.end - 1).min(axis=-1).astype(np.float32)
    assert np.percentile(shown, 0.05) >= one_pass - 6, "no beads: overlaps no darker than one light stroke"


def test_the_inker_follows_contours_area_by_area_not_scattered_pieces():
    """Each stroke begins near where the last one lifted: contours followed through their
    junctions, one area after the next (before, the pieces went top to bottom across a figure)."""
    picture = np.asarray(Image.open(EXAMPLE).convert("RGB").resize((256, 320), Image.Resampling.LANCZOS))
    process = DrawingProcess(picture, frames=60, seed=3, workflow="cel", behaviours=frozenset())
    inked = [mark for mark in process.plan.marks if mark.layer == "lines" and mark.kind == "line"]
    assert len(inked) >= 100
    jumps = [np.hypot(*(after.path[0] - before.path[-1])) for before, after in itertools.pairwise(inked)]
    side = max(picture.shape[:2])
    assert np.median(jumps) <= 0.02 * side, np.median(jumps)  # 111 pixels of 320 before
    assert np.mean(np.array(jumps) > 0.15 * side) < 0.05, "few long jumps across the picture"
