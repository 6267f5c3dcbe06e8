"""The painting workflow paints as a painter does: the background before the figure, brush strokes
several times longer than wide (not dabs), the canvas brought near the picture by smaller and
smaller brushes so that the finishing touches only tidy, and those touches area by area."""

from __future__ import annotations

import cv2
import numpy as np

from kinds import AREAS, KINDS, MADE, figure_in_landscape
from paintsundo.picture import load_picture
from paintsundo.timeline import Stage
from paintsundo.undo.procedural import DrawingProcess
from paintsundo.undo.procedural.canvas import Canvas
from paintsundo.undo.procedural.masses import paint_masses
from paintsundo.undo.procedural.painterly import bristle_ribbons, toned_ground
from paintsundo.undo.procedural.plan import Hand


def lab(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def painting(picture: np.ndarray, seed: int, frames: int = 60) -> DrawingProcess:
    return DrawingProcess(picture, frames=frames, seed=seed, workflow="painting", behaviours=frozenset())


def area(picture: np.ndarray, name: str) -> tuple[slice, slice]:
    (top, bottom), (left, right) = AREAS[name]
    height, width = picture.shape[:2]
    return slice(int(top * height), int(bottom * height)), slice(int(left * width), int(right * width))


def test_the_sky_and_the_ground_are_the_background_and_the_figure_is_not():
    """Background zones run along the picture's top and sides with zones of their colour (boundary
    connectivity); the hair and the face do not, though the hair is high, dark and large."""
    from paintsundo.undo.procedural.masses import backdrop

    picture = figure_in_landscape().astype(np.float32)
    zones = paint_masses(picture)
    likely = backdrop(zones, picture)
    for name, expected in (("sky", True), ("meadow", True), ("hair", False), ("face", False)):
        here = np.bincount(zones[area(picture, name)].ravel()).argmax()  # the zone there
        assert (likely[here] > 0.5) == expected, (name, likely[here])


def test_the_background_is_blocked_in_before_the_figure():
    """The sky and the meadow are blocked in before the figure's hair and face, whatever the painter
    (toned ground or not, drawing first or not)."""
    picture = figure_in_landscape()
    final = lab(picture)
    for seed in range(4):
        process = painting(picture, seed)
        frames = [lab(process.frame(index)) for index in range(len(process))]

        def blocked_in(name: str, frames=frames) -> int:
            """The first frame by which the area is half way from the blank canvas to the picture."""
            where = area(picture, name)
            off = [np.linalg.norm(frame[where] - final[where], axis=-1).mean() for frame in frames]
            return next(index for index, value in enumerate(off) if value <= 0.5 * off[0])

        first = {name: blocked_in(name) for name in AREAS}
        assert max(first["sky"], first["meadow"]) < min(first["hair"], first["face"]), (seed, first)


def test_brush_strokes_are_several_times_longer_than_wide():
    """Along the isophotes, Hertzmann's strokes run 4 to 16 steps of the brush's radius: a stroke's
    extent along its path is several times its width, and hardly any is a round dab. A flat brush
    leaves dry gaps between its bristles in most of the big strokes."""
    picture = MADE["painting"]()
    process = next(
        found
        for seed in range(30)
        if not any((found := painting(picture, seed)).plan.choices.values())  # no ground, no drawing
    )
    for stage, longest_dabs in (("block-in", 0.2), ("forms", 0.05), ("focus", 0.05), ("accents", 0.05)):
        strokes = [mark for mark in process.plan.marks if mark.stage == stage and mark.kind == "stroke"]
        widths = np.array([mark.widths.max() for mark in strokes])
        lengths = np.array([np.hypot(*np.diff(mark.path, axis=0).T).sum() for mark in strokes])
        extent = (lengths + widths) / widths
        assert extent.mean() >= 3.5, (stage, extent.mean())
        assert (extent < 2).mean() <= longest_dabs, (stage, (extent < 2).mean())
    big = [mark for mark in process.plan.marks if mark.stage == "block-in"]
    assert np.mean([mark.ribbons is not None for mark in big]) >= 0.5


def test_the_brushes_bring_the_canvas_near_the_picture_before_the_touches():
    """Smaller and smaller brushes go where the canvas is still wrong until late: from 80% to 90% of
    the time the canvas still comes a good way nearer the picture, and then it is near enough that
    the finishing touches only tidy."""
    picture = MADE["painting"]()
    for seed in (0, 3):
        process = painting(picture, seed)
        last = len(process) - 1
        final = lab(process.frame(last))

        def distance(index: int, process=process, final=final) -> float:
            """The mean CIELAB distance to the picture, over the blank canvas's."""
            away = [np.linalg.norm(lab(process.frame(i)) - final, axis=-1).mean() for i in (0, index)]
            return float(away[1] / away[0])

        at_80, at_90 = distance(round(0.8 * last)), distance(round(0.9 * last))
        assert at_90 <= 0.7 * at_80, (at_80, at_90)
        touched = int(np.floor(process.plan.touches.frames.min()))
        assert distance(touched - 1) <= 0.07, distance(touched - 1)


def test_the_finishing_touches_go_zone_by_zone():
    """An artist finishes one area, then the next: each touch lies within one of the painting's
    zones, and a zone's touches are laid one after another, not interleaved with another's."""
    picture = figure_in_landscape()
    process = painting(picture, seed=1)
    touches = process.plan.touches
    zones = paint_masses(picture.astype(np.float32))
    inside = touches.labels >= 0
    pairs = np.unique(np.stack([touches.labels[inside], zones[inside]]), axis=1)
    assert len(pairs[0]) == len(touches), "a touch spans two zones"
    zone_of = np.empty(len(touches), np.int64)
    zone_of[pairs[0]] = pairs[1]
    in_turn = zone_of[np.argsort(touches.frames, kind="stable")]
    changes, zones_touched = int((np.diff(in_turn) != 0).sum()), len(np.unique(in_turn))
    assert changes == zones_touched - 1, f"{changes} changes between {zones_touched} zones"


def straightness(path: np.ndarray, reach: float) -> float:
    """How straight a path runs over any stretch `reach` long: the mean of chord over arc, 1 for a
    gentle curve, far less for a zig-zag."""
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    froms = np.arange(0.0, along[-1] - reach, reach / 4)
    if len(froms) == 0:
        return 1.0
    ends = [
        np.stack([np.interp(at, along, path[:, axis]) for axis in (0, 1)], 1) for at in (froms, froms + reach)
    ]
    return float(np.mean(np.hypot(*(ends[1] - ends[0]).T) / reach))


def boundary_distance(picture: np.ndarray) -> np.ndarray:
    """Each pixel's distance to the nearest boundary between the picture's zones (h w)."""
    zones = paint_masses(picture.astype(np.float32))
    boundary = np.zeros(zones.shape, bool)
    boundary[:, 1:] |= zones[:, 1:] != zones[:, :-1]
    boundary[1:] |= zones[1:] != zones[:-1]
    return cv2.distanceTransform((~boundary).astype(np.uint8), cv2.DIST_L2, 5)


def test_the_underdrawing_places_the_big_shapes_in_long_smooth_lines():
    """A painter's underdrawing places the big shapes: long, smooth, slightly-off curves along the
    boundaries between the main masses, not the picture's pixel-level edges as short zig-zags."""
    turner = load_picture(KINDS / "painting-turner-shipwreck.jpg", "320").pixels
    for picture in (turner, MADE["painting"]()):
        side = max(picture.shape[:2])
        near_boundary = boundary_distance(picture)
        process = next(
            found for seed in range(30) if (found := painting(picture, seed)).plan.choices["drawing_first"]
        )
        lines = [mark for mark in process.plan.marks if mark.kind == "line"]
        straight = [straightness(mark.path.astype(np.float64), 0.05 * side) for mark in lines]
        lengths = [np.hypot(*np.diff(mark.path, axis=0).T).sum() / side for mark in lines]
        assert np.percentile(straight, 10) >= 0.9, np.percentile(straight, 10)
        assert np.median(lengths) >= 0.25, np.median(lengths)
        points = np.concatenate([mark.path for mark in lines]).round().astype(np.intp)
        inside = (points >= 0).all(axis=1) & (points < picture.shape[1::-1]).all(axis=1)
        away = near_boundary[points[inside, 1], points[inside, 0]] / side
        assert np.percentile(away, 75) <= 0.025, np.percentile(away, 75)


def test_the_pace_follows_the_work_from_the_block_in_to_the_touches():
    """After the block-in the canvas keeps changing at a pace that follows the work left: no run of
    frames with almost no change (a quarter of the usual) while one half waits for its stage, and
    then a burst; the sky, with little left to do, takes little time."""
    turner = load_picture(KINDS / "painting-turner-shipwreck.jpg", "320").pixels
    for picture in (turner, figure_in_landscape()):
        process = painting(picture, seed=1, frames=105)
        blocked = process.timeline.stage("block-in").end
        touched = int(np.floor(process.plan.touches.frames.min()))
        frames = np.stack([process.frame(index) for index in range(blocked - 1, touched)]).astype(np.float32)
        change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
        left = np.abs(frames[-1] - process.frame(len(process) - 1)).mean()
        assert left > 1.0, "the canvas is already the picture: nothing to pace"
        slow = np.concatenate([[0], change < 0.25 * np.median(change), [0]])
        runs = np.diff(np.flatnonzero(np.diff(slow) != 0))[::2]  # lengths of the runs of slow frames
        assert runs.max(initial=0) < 3, (runs, change.round(1))


def test_the_toned_ground_is_rubbed_in_without_bands():
    """A ground laid in rows, each brushload a little lighter or darker, reads as horizontal
    stripes; crossing strokes vary it as much down as across, and leave no canvas bare."""
    turner = load_picture(KINDS / "painting-turner-shipwreck.jpg", "320").pixels
    for seed in range(4):
        marks = toned_ground(
            turner.astype(np.float32), Hand(Stage("block-in", 0, 10)), np.random.default_rng(seed), (0, 1)
        )
        ground = Canvas(turner, marks).frame(20).mean(axis=-1)
        assert (ground > 250).mean() < 0.001, "no canvas left bare"
        down, across = ground.mean(axis=1).std(), ground.mean(axis=0).std()
        assert down < 2 * across + 0.3, (down, across)  # rows of brushloads: 2.7-5.0 against 0.1-0.2


def test_one_brush_lays_strokes_of_their_own_not_stamps():
    """The gaps between bristle clumps fall anywhere across the brush (evenly spaced, every stroke
    reads as a comb), and each stroke is pressed a little harder or lighter."""
    clumps, width = 8, 40.0
    ribbons = bristle_ribbons(np.full(300, 30), width, width / clumps, 4, np.random.default_rng(0))
    gaps = np.concatenate([(found[1:, 0] + found[:-1, 1]) / 2 for found in ribbons if found is not None])
    even = np.linspace(-1.0, 1.0, clumps + 1)[1:-1]
    on_even = np.abs(gaps[:, None] - even[None]).min(axis=1) < 0.02
    assert len(gaps) > 100 and on_even.mean() < 0.3, on_even.mean()
    process = painting(MADE["painting"](), seed=0)
    blocked = [mark for mark in process.plan.marks if mark.stage == "block-in" and mark.kind == "stroke"]
    pressed = np.array([np.median(mark.widths) for mark in blocked if mark.widths.max() > 10])
    assert np.ptp(pressed) / np.median(pressed) > 0.15, "strokes of one brush pressed differently"
