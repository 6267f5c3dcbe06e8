"""Line drawings and scribbled hints for the colourist's tests, made here: a drawing of shapes whose
regions test filling and gaps, and one scribble for each of its regions."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RED, BLUE, YELLOW, GREEN = (220, 50, 50), (50, 90, 220), (240, 210, 60), (60, 170, 90)


def shapes(ink: float = 0.0, paper: float = 255.0, pencil: bool = False) -> np.ndarray:
    """A drawing of four kinds of shape (RGB uint8, 300x480): a closed circle, a square whose left
    side has a 3-pixel gap, a thick rectangle nested in a thin one, and a thin ellipse."""
    lines = np.zeros((300, 480), np.float32)
    cv2.circle(lines, (90, 110), 60, 1.0, 3, cv2.LINE_AA)
    cv2.rectangle(lines, (190, 40), (300, 180), 1.0, 2)
    lines[100:103, 189:192] = 0.0  # the gap
    cv2.rectangle(lines, (330, 30), (460, 190), 1.0, 1)
    cv2.rectangle(lines, (360, 70), (430, 150), 1.0, 6)
    cv2.ellipse(lines, (110, 240), (70, 35), 0, 0, 360, 1.0, 1, cv2.LINE_AA)
    if pencil:  # soft, grainy, broken graphite on off-white paper
        rng = np.random.default_rng(0)
        lines *= 0.55 + 0.45 * rng.random(lines.shape).astype(np.float32)
        for x, y in ((90, 50), (250, 180), (395, 30)):
            lines[y - 1 : y + 2, x - 1 : x + 2] = 0.0
        lines = cv2.GaussianBlur(lines, (0, 0), 0.7)
        grain = rng.normal(0.0, 2.0, lines.shape)
        grey = (paper + grain) * (1.0 - 0.5 * np.clip(1.6 * lines, 0.0, 1.0))
    else:
        grey = paper + (ink - paper) * lines
    return np.repeat(np.clip(np.rint(grey), 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def scribbles(
    shape: tuple[int, ...], strokes: list[tuple[tuple[int, int], tuple[int, int], tuple]]
) -> np.ndarray:
    hints = np.zeros((*shape[:2], 4), np.uint8)
    for start, end, color in strokes:
        cv2.line(hints, start, end, (*color, 255), 6)
    return hints


# One scribble in the circle, inside the gapped square, in the ring between the nested rectangles,
# in the inner rectangle, and in the ellipse.
STROKES = [
    ((80, 100), (100, 120), RED),
    ((215, 120), (240, 130), BLUE),
    ((340, 40), (350, 50), GREEN),
    ((385, 100), (405, 110), YELLOW),
    ((90, 240), (130, 240), GREEN),
]


# Drawings of the kinds an illustrator hands over, each with its scribbles and, for the tests to
# measure, the inside of each region that was scribbled (h w bool, the lines around it left out).
SKY, ORANGE, SKIN, BROWN = (80, 160, 224), (240, 150, 40), (250, 205, 170), (150, 90, 50)
INK, GUIDE = (0, 0, 0), (165, 165, 165)  # a faint pencil construction line, left in under the ink


@dataclass(frozen=True)
class Drawing:
    sketch: np.ndarray  # h w 3 uint8
    hints: np.ndarray  # h w 4 uint8
    regions: dict[str, tuple[np.ndarray, tuple]]  # name: (inside, its scribble's colour)
    guides: np.ndarray | None = None  # h w bool: the faint construction lines left showing
    hatching: np.ndarray | None = None  # h w bool: the strokes of its hatching
    holes: tuple[tuple[int, int], ...] = ()  # (row, column) in places left unscribbled, to stay paper


def _filled(shape: tuple[int, int], draw) -> np.ndarray:
    """The pixels that `draw(canvas)` fills with 1 (h w bool)."""
    canvas = np.zeros(shape, np.uint8)
    draw(canvas)
    return canvas.view(bool)


def _inside(filled: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """`filled` (h w bool) less the pixels within two pixels of a line."""
    return filled & ~cv2.dilate(lines.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)


def _ellipse_point(centre, axes, degrees: float) -> tuple[int, int]:
    angle = np.deg2rad(degrees)
    return round(centre[0] + axes[0] * np.cos(angle)), round(centre[1] + axes[1] * np.sin(angle))


def bird_head() -> Drawing:
    """A bird's head in ink (an oval with a beak and an eye) over the faint grey construction it was
    drawn on: a circle inside the head and a cross whose arms run through the beak and out of the head."""
    centre, axes = (190, 170), (100, 88)
    beak = np.array([_ellipse_point(centre, axes, 195), (25, 190), _ellipse_point(centre, axes, 160)])

    def guides(canvas):
        cv2.circle(canvas, (200, 178), 78, GUIDE, 2, cv2.LINE_AA)
        cv2.line(canvas, (30, 176), (320, 176), GUIDE, 2, cv2.LINE_AA)
        cv2.line(canvas, (200, 60), (200, 300), GUIDE, 2, cv2.LINE_AA)

    def ink(canvas):
        cv2.ellipse(canvas, centre, axes, 0, 0, 360, INK, 3, cv2.LINE_AA)
        cv2.polylines(canvas, [beak], False, INK, 3, cv2.LINE_AA)
        cv2.circle(canvas, (150, 140), 14, INK, 3, cv2.LINE_AA)
        cv2.circle(canvas, (152, 142), 6, INK, -1, cv2.LINE_AA)

    sketch, lines, shown = _ink_over_guides((330, 340), guides, ink)

    def head(canvas):
        cv2.ellipse(canvas, centre, axes, 0, 0, 360, 1, -1)
        cv2.circle(canvas, (150, 140), 17, 0, -1)

    regions = {
        "head": (_inside(_filled(lines.shape, head), lines), SKY),
        "beak": (_inside(_filled(lines.shape, lambda c: cv2.fillPoly(c, [beak], 1)), lines), ORANGE),
    }
    hints = scribbles(sketch.shape, [((112, 122), (135, 100), SKY), ((70, 168), (88, 162), ORANGE)])
    return Drawing(sketch, hints, regions, guides=shown, holes=((130, 150),))


def _ink_over_guides(shape: tuple[int, int], guides, ink) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sketch (RGB uint8) of `ink(canvas)` in black over `guides(canvas)` in faint grey, its ink
    lines and its guides left showing (h w bool each)."""
    sketch = np.full((*shape, 3), 255, np.uint8)
    guides(sketch)
    shown = sketch[..., 0] < 250
    ink(sketch)
    lines = sketch.min(axis=-1) < 128
    return sketch, lines, shown & ~cv2.dilate(lines.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)


def _graphite(marks: np.ndarray, paper: float, rng: np.random.Generator) -> np.ndarray:
    """Pencil marks (h w float32, 0..1 pressure) as grainy graphite on off-white paper (RGB uint8)."""
    marks = marks * (0.55 + 0.45 * rng.random(marks.shape).astype(np.float32))
    marks = cv2.GaussianBlur(marks, (0, 0), 0.7)
    grey = (paper + rng.normal(0.0, 2.0, marks.shape)) * (1.0 - 0.5 * np.clip(1.6 * marks, 0.0, 1.0))
    return np.repeat(np.clip(np.rint(grey), 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def hatched_cat() -> Drawing:
    """A cat in pencil, its shading hatched: short parallel strokes along the belly, free at one end,
    and across the tail and a leg, from one side of the outline to the other."""
    shape = (300, 420)
    trunk, head = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    cv2.ellipse(trunk, (240, 170), (115, 62), 0, 0, 360, 1, -1)
    for x in (170, 215, 285, 320):
        cv2.rectangle(trunk, (x, 200), (x + 22, 275), 1, -1)
    tail = np.array([(340, 160), (375, 120), (385, 60)])
    cv2.polylines(trunk, [tail], False, 1, 22)
    cv2.circle(head, (110, 120), 52, 1, -1)
    ears = [np.array([(72, 92), (80, 40), (108, 70)]), np.array([(118, 70), (145, 38), (150, 88)])]
    cv2.fillPoly(head, ears, 1)
    outline = np.zeros(shape, np.float32)
    contours, _ = cv2.findContours(trunk | head, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(outline, contours, -1, 1.0, 2, cv2.LINE_AA)
    neck = np.zeros(shape, np.float32)
    cv2.circle(neck, (110, 120), 52, 1.0, 2, cv2.LINE_AA)
    outline = np.maximum(outline, neck * cv2.dilate(trunk, np.ones((5, 5), np.uint8)))  # the head's edge
    hatching = np.zeros(shape, np.float32)
    for x in range(160, 290, 7):  # along the belly: from the outline up and to the right
        bottom = round(170 + 62 * np.sqrt(1 - ((x - 240) / 115) ** 2))
        cv2.line(hatching, (x, bottom), (x + 16, bottom - 26), 0.85, 2, cv2.LINE_AA)
    across = np.array([0.75, 0.66]) * 13
    for share in np.arange(0.34, 1.0, 0.13):  # across the tail, from its root up
        middle = tail[0] + share * (tail[1] - tail[0])
        ends = np.rint([middle - across, middle + across]).astype(int)
        cv2.line(hatching, tuple(ends[0]), tuple(ends[1]), 0.85, 2, cv2.LINE_AA)
    for y in range(215, 275, 7):  # across the back leg
        cv2.line(hatching, (318, y), (344, y - 3), 0.85, 2, cv2.LINE_AA)
    sketch = _graphite(np.maximum(outline, hatching), 236.0, np.random.default_rng(3))
    lines = outline > 0.3
    strokes = (hatching > 0.3) & ~cv2.dilate(lines.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    regions = {
        "body": (_inside(trunk.view(bool) & ~head.view(bool), lines), ORANGE),
        "head": (_inside(head.view(bool), lines), SKIN),
    }
    hints = scribbles(sketch.shape, [((230, 140), (270, 150), ORANGE), ((95, 130), (125, 130), SKIN)])
    return Drawing(sketch, hints, regions, hatching=strokes)


def house() -> Drawing:
    """A house in ink, ruled over faint guides (the windows' top and bottom, the middle), its windows
    (each with a cross of glazing bars) and its door holes in the wall."""
    windows = [((100, 150), (150, 195)), ((210, 150), (260, 195))]
    door, wall = ((160, 200), (200, 270)), ((80, 120), (280, 270))
    roof = np.array([(60, 120), (180, 35), (300, 120)])

    def guides(canvas):
        for y in (150, 195):
            cv2.line(canvas, (15, y), (345, y), GUIDE, 1, cv2.LINE_AA)
        cv2.line(canvas, (180, 15), (180, 290), GUIDE, 1, cv2.LINE_AA)

    def ink(canvas):
        cv2.rectangle(canvas, *wall, INK, 3)
        cv2.polylines(canvas, [roof], True, INK, 3, cv2.LINE_AA)
        for (left, top), (right, bottom) in windows:
            cv2.rectangle(canvas, (left, top), (right, bottom), INK, 3)
            cv2.line(canvas, ((left + right) // 2, top), ((left + right) // 2, bottom), INK, 2)
            cv2.line(canvas, (left, (top + bottom) // 2), (right, (top + bottom) // 2), INK, 2)
        cv2.rectangle(canvas, *door, INK, 3)
        cv2.circle(canvas, (192, 238), 3, INK, -1, cv2.LINE_AA)

    sketch, lines, shown = _ink_over_guides((300, 360), guides, ink)

    def wall_around_holes(canvas):
        cv2.rectangle(canvas, *wall, 1, -1)
        for corners in [*windows, door]:
            cv2.rectangle(canvas, *corners, 0, -1)

    regions = {
        "wall": (_inside(_filled(lines.shape, wall_around_holes), lines), YELLOW),
        "roof": (_inside(_filled(lines.shape, lambda c: cv2.fillPoly(c, [roof], 1)), lines), RED),
        "door": (_inside(_filled(lines.shape, lambda c: cv2.rectangle(c, *door, 1, -1)), lines), BROWN),
    }
    hints = scribbles(
        sketch.shape,
        [((95, 235), (140, 250), YELLOW), ((150, 100), (210, 100), RED), ((170, 215), (172, 255), BROWN)],
    )
    panes = ((162, 112), (184, 138), (162, 222), (184, 248))
    return Drawing(sketch, hints, regions, guides=shown, holes=panes)


def face() -> Drawing:
    """A face in ink over the faint cross it was laid out on (the middle, the eyes' line): two eyes,
    each an outline round an inked pupil, holes in the face; a nose and a mouth that enclose nothing."""
    centre, axes = (150, 170), (100, 125)
    eyes = [(108, 150), (192, 150)]

    def guides(canvas):
        cv2.line(canvas, (150, 25), (150, 315), GUIDE, 2, cv2.LINE_AA)
        cv2.line(canvas, (25, 150), (275, 150), GUIDE, 2, cv2.LINE_AA)

    def ink(canvas):
        cv2.ellipse(canvas, centre, axes, 0, 0, 360, INK, 3, cv2.LINE_AA)
        for eye in eyes:
            cv2.ellipse(canvas, eye, (24, 13), 0, 0, 360, INK, 3, cv2.LINE_AA)
            cv2.circle(canvas, eye, 6, INK, -1, cv2.LINE_AA)
        cv2.ellipse(canvas, (150, 200), (10, 18), 0, 270, 450, INK, 2, cv2.LINE_AA)
        cv2.ellipse(canvas, (150, 235), (40, 18), 0, 20, 160, INK, 3, cv2.LINE_AA)

    sketch, lines, shown = _ink_over_guides((320, 300), guides, ink)

    def skin(canvas):
        cv2.ellipse(canvas, centre, axes, 0, 0, 360, 1, -1)
        for eye in eyes:
            cv2.ellipse(canvas, eye, (27, 16), 0, 0, 360, 0, -1)

    hints = scribbles(sketch.shape, [((85, 210), (115, 235), SKIN)])
    regions = {"skin": (_inside(_filled(lines.shape, skin), lines), SKIN)}
    return Drawing(sketch, hints, regions, guides=shown, holes=((146, 95), (146, 205)))


def colored_leak() -> Drawing:
    """Two rings in black ink and one in yellow ink, far lighter in grey, with a 4-pixel gap: a
    scribble inside the yellow ring must stay there."""
    sketch = np.full((240, 360, 3), 255, np.uint8)
    for centre in ((290, 70), (290, 170)):
        cv2.circle(sketch, centre, 40, INK, 4, cv2.LINE_AA)
    cv2.circle(sketch, (120, 120), 80, (255, 215, 0), 3, cv2.LINE_AA)
    sketch[118:122, 195:205] = 255  # the gap, on the ring's right
    lines = sketch.min(axis=-1) < 128
    ring = _inside(_filled(lines.shape, lambda c: cv2.circle(c, (120, 120), 78, 1, -1)), lines)
    hints = scribbles(sketch.shape, [((90, 110), (140, 130), RED)])
    return Drawing(sketch, hints, {"ring": (ring, RED)})


def doubled_strokes() -> Drawing:
    """A square in ink, scribbled, holding what a quick sketch leaves: a stroke gone over twice, the
    two strokes a few pixels apart and meeting at their ends, and a tiny loop where the pen turned."""
    sketch = np.full((220, 240, 3), 255, np.uint8)
    cv2.rectangle(sketch, (20, 20), (220, 200), INK, 3)
    cv2.ellipse(sketch, (120, 80), (60, 5), 0, 0, 360, INK, 2, cv2.LINE_AA)
    cv2.circle(sketch, (70, 150), 4, INK, 2, cv2.LINE_AA)
    lines = sketch.min(axis=-1) < 128
    inside = _inside(_filled(lines.shape, lambda c: cv2.rectangle(c, (20, 20), (220, 200), 1, -1)), lines)
    hints = scribbles(sketch.shape, [((120, 140), (170, 160), GREEN)])
    return Drawing(sketch, hints, {"square": (inside, GREEN)})
