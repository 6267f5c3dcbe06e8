"""The habits of digital artists that change how the canvas is shown, not what is painted on it:
flipping the canvas, hiding the line layer, trying a colour curve, moving a part into place.

(The change of idea is painted: the workflows lay its marks and its erase.) Placed on the timeline
like the Paints-UNDO README's list of behaviours.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.undo.procedural.timeline import Event, Stage, Timeline, place

CURVE_STRENGTH = 0.35  # how far the colours are from their final curve before the artist adjusts it
LASSO_EDGE = 0.7  # pixels: the anti-aliasing of a lasso selection's edge


@dataclass(frozen=True)
class Move:
    """A lasso-and-move: a drawn part first slightly off, then moved into place."""

    frames: tuple[int, int]
    matrix: np.ndarray  # 2 3: maps final coordinates to where the part was first drawn
    box: tuple[int, int, int, int]  # x0 y0 x1 y1
    feather: np.ndarray  # box-sized float32, 1 inside the lasso


@dataclass(frozen=True)
class Habits:
    events: tuple[Event, ...]
    flip: tuple[int, int] | None = None
    toggle: tuple[int, int] | None = None
    curve: tuple[int, int] | None = None
    move: Move | None = None

    def lines_visible(self, frame: int) -> bool:
        return not _within(frame, self.toggle)

    def shown(self, canvas: np.ndarray, frame: int) -> np.ndarray:
        """The composited canvas (h w 3 float32) as the artist sees it on `frame`."""
        amount = _ramp_down(frame, self.curve, CURVE_STRENGTH)
        if amount > 0:
            canvas = cv2.transform(canvas, before_curve(amount))
        if self.move is not None:
            warp = _ramp_down(frame, self.move.frames, 1.0)
            if warp > 0:
                canvas = _displace(canvas, self.move, warp)
        if _within(frame, self.flip):
            canvas = cv2.flip(canvas, 1)
        return canvas


def plan_habits(
    timeline: Timeline,
    enabled: frozenset[str],
    hosts: dict[str, str | None],
    focus: np.ndarray,
    rng: np.random.Generator,
) -> Habits:
    """Place each enabled habit in the stage `hosts` names for it (flip, layer_toggle, color_curve,
    transform); `focus` (h w float32) says where the part worth moving is."""
    taken: list[tuple[int, int]] = []
    events: list[Event] = []
    spans: dict[str, tuple[int, int] | None] = {}
    # A flip is a glance, held for as long as it takes to see the drawing afresh: two to four frames.
    for name, fraction, length in (
        ("flip", rng.uniform(0.3, 0.7), int(rng.integers(2, 5))),
        ("layer_toggle", rng.uniform(0.55, 0.85), 2),
    ):
        spans[name] = _take(name, enabled, hosts, timeline, fraction, length, taken, events)
    # The curve is dragged in slowly across its whole stage: a gradual adjustment, never a snap.
    curve_host = hosts.get("color_curve")
    curve_frames = timeline.stage(curve_host).frames - 2 if curve_host else 0
    # It can run under the other habits, so it takes no frames from them.
    spans["color_curve"] = _take("color_curve", enabled, hosts, timeline, 0.0, curve_frames, [], events)
    move = None
    span = _take("transform", enabled, hosts, timeline, rng.uniform(0.6, 0.8), 2, taken, events)
    if span is not None:
        move = _plan_move(span, focus, rng)
        events[-1] = Event("transform", *span, {"box": [int(v) for v in move.box], **events[-1].detail})
    events.sort(key=lambda event: (event.start, event.kind))
    return Habits(tuple(events), spans["flip"], spans["layer_toggle"], spans["color_curve"], move)


def _take(
    name: str,
    enabled: frozenset[str],
    hosts: dict[str, str | None],
    timeline: Timeline,
    fraction: float,
    length: int,
    taken: list[tuple[int, int]],
    events: list[Event],
) -> tuple[int, int] | None:
    """Frames for a habit in its host stage, clear of the habits already placed, and its event."""
    host_name = hosts.get(name)
    if name not in enabled or host_name is None:
        return None
    host: Stage = timeline.stage(host_name)
    for where in (fraction, 0.35, 0.9, 0.15):
        span = place(host, where, length)
        if span and not any(span[0] <= end and start <= span[1] for start, end in taken):
            taken.append(span)
            events.append(Event(name, *span, {"stage": host.name}))
            return span
    return None


def _plan_move(frames: tuple[int, int], focus: np.ndarray, rng: np.random.Generator) -> Move:
    """The part where `focus` is densest, in a window a third of the picture across, first drawn a
    little turned, shrunk and shifted."""
    height, width = focus.shape
    window = max(3, int(min(height, width) / 3)) | 1
    density = cv2.boxFilter(focus, -1, (window, window))
    cy, cx = np.unravel_index(int(np.argmax(density)), density.shape)
    half = window // 2
    x0, y0 = max(0, cx - half), max(0, cy - half)
    x1, y1 = min(width, cx + half + 1), min(height, cy + half + 1)
    box_h, box_w = y1 - y0, x1 - x0
    angle = rng.uniform(2.0, 4.0) * rng.choice([-1, 1])
    shift = rng.uniform(0.03, 0.06, 2) * (box_w, box_h) * rng.choice([-1, 1], 2)
    matrix = cv2.getRotationMatrix2D((box_w / 2, box_h / 2), angle, rng.uniform(0.94, 0.97))
    matrix[:, 2] += shift
    feather = np.zeros((box_h, box_w), np.float32)
    cv2.ellipse(
        feather,
        (box_w // 2, box_h // 2),
        (max(box_w // 2 - 1, 1), max(box_h // 2 - 1, 1)),
        0,
        0,
        360,
        1.0,
        -1,
    )
    feather = cv2.GaussianBlur(feather, (0, 0), LASSO_EDGE)  # a lasso's anti-aliased edge, not a soft blend
    return Move(frames, matrix.astype(np.float32), (x0, y0, x1, y1), feather)


def before_curve(amount: float) -> np.ndarray:
    """The colour transform (3 4) the artist's curve adjustment takes away: flatter and greyer,
    with the paper's white kept white."""
    saturation = 1.0 - 0.3 * amount
    contrast = 1.0 - 0.2 * amount
    greying = (np.full((3, 3), (1.0 - saturation) / 3.0) + np.eye(3) * saturation) * contrast
    white = np.full(3, 255.0)
    return np.hstack([greying, (white - greying @ white)[:, None]]).astype(np.float32)


def _displace(canvas: np.ndarray, move: Move, amount: float) -> np.ndarray:
    """The lassoed part `amount` of the way from where it is to where it was first drawn: its own
    pixels moved rigidly, sampled from the canvas round the box too (never a stretched edge)."""
    x0, y0, x1, y1 = move.box
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    matrix = identity + (move.matrix - identity) * amount
    margin = max(x1 - x0, y1 - y0) // 4  # more than the part's shift and turn take it
    top, left = max(y0 - margin, 0), max(x0 - margin, 0)
    around = canvas[top : min(y1 + margin, canvas.shape[0]), left : min(x1 + margin, canvas.shape[1])]
    offset = np.float32([x0 - left, y0 - top])  # the box's corner within `around`
    matrix[:, 2] += offset - matrix[:, :2] @ offset  # the same move, about the same point, there
    moved = cv2.warpAffine(
        around, matrix, around.shape[1::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )[y0 - top : y1 - top, x0 - left : x1 - left]
    weight = move.feather[..., None]
    shown = canvas.copy()
    shown[y0:y1, x0:x1] = canvas[y0:y1, x0:x1] * (1.0 - weight) + moved * weight
    return shown


def _within(frame: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= frame < span[1]


def _ramp_down(frame: int, span: tuple[int, int] | None, top: float) -> float:
    """`top` before the span, falling linearly across it, 0 from its end on (0 throughout if None)."""
    if span is None or frame >= span[1]:
        return 0.0
    if frame < span[0]:
        return top
    return top * (1.0 - (frame - span[0] + 1) / (span[1] - span[0] + 1))
