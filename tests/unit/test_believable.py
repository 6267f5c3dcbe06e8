"""What makes the drawing process believable, checked on its frames: visible work until the end, no
holes in what is painted, no lines along the picture's frame, bare canvas left bare."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kinds import KINDS, MADE
from paintsundo.picture import load_picture, picture_from_array
from paintsundo.undo.procedural import DrawingProcess

FRAMES = 105


def lab(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def distance_to_final(process: DrawingProcess) -> np.ndarray:
    """The mean CIELAB distance of each frame to the last one."""
    final = lab(process.frame(len(process) - 1))
    return np.array([np.linalg.norm(lab(frame) - final, axis=-1).mean() for frame in process])


def mounted_portrait() -> np.ndarray:
    """A painterly head on a dark ground, in a white mount 12 pixels wide (h w 3 uint8)."""
    rng = np.random.default_rng(5)
    picture = np.full((240, 192, 3), 30, np.float32) + rng.normal(0, 6, (240, 192, 1))
    head = np.zeros((240, 192), np.float32)
    cv2.ellipse(head, (96, 120), (45, 60), 0, 0, 360, 1.0, -1)
    head = cv2.GaussianBlur(head, (0, 0), 4)[..., None]
    picture = picture * (1 - head) + np.array([225, 180, 150]) * head
    picture[:12], picture[-12:], picture[:, :12], picture[:, -12:] = 255, 255, 255, 255
    return np.clip(picture, 0, 255).astype(np.uint8)


OF_EACH_KIND = [
    *[("cel", f"example {n}") for n in (1, 2, 3)],
    *[(path.name.split("-")[0], path.name) for path in sorted(KINDS.glob("*-*.*"))],
    *[(kind, f"made {kind}") for kind in MADE],
]


def picture_of(name: str, example_paths: list[Path]) -> np.ndarray:
    if name.startswith("example"):
        return load_picture(example_paths[int(name.split()[1]) - 1], "320").pixels
    if name.startswith("made"):
        return MADE[name.split()[1]]()
    return load_picture(KINDS / name, "320").pixels


@pytest.mark.parametrize(("workflow", "name"), OF_EACH_KIND)
def test_work_stays_visible_until_the_end(example_paths, workflow, name):
    """On pictures of its kind, each workflow still changes the picture in its last fifth, by at
    least a tenth of the whole way, and never stands still for 5% of the frames."""
    process = DrawingProcess(picture_of(name, example_paths), frames=FRAMES, seed=3, workflow=workflow)
    distance = distance_to_final(process)
    last_fifth = distance[round(0.8 * (FRAMES - 1))] - distance[-1]
    assert last_fifth >= 0.10 * distance[0], (last_fifth / distance[0], distance[::10].round(1))
    changed = [bool((process.frame(i) != process.frame(i - 1)).any()) for i in range(1, FRAMES)]
    longest_still = max(len(run) for run in "".join("x" if c else "." for c in changed).split("x"))
    assert longest_still < 0.05 * FRAMES, "no stretch of 5% of the frames stands still"


def test_no_lines_along_the_pictures_border_or_mount():
    process = DrawingProcess(mounted_portrait(), frames=60, seed=2, workflow="cel", behaviours=frozenset())
    lineart = next(stage for stage in process.stages if stage.name == "lineart")
    frame = process.frame(lineart.end - 1).min(axis=-1)
    # The mount's inner edge (rows and columns 10 to 14) and the picture's own border stay bare.
    for band in (frame[10:14, 20:-20], frame[-14:-10, 20:-20], frame[20:-20, 10:14], frame[20:-20, -14:-10]):
        assert band.min() >= 235, "no line traces the mount"
    assert frame[:3].min() >= 235 and frame[:, :3].min() >= 235


def test_painted_areas_have_no_holes_and_never_go_back_to_canvas():
    pixels = mounted_portrait()
    process = DrawingProcess(pixels, frames=60, seed=3, workflow="cel", behaviours=frozenset())
    flat = next(stage for stage in process.stages if stage.name == "flat")
    interior = np.zeros(pixels.shape[:2], bool)
    interior[12:-12, 12:-12] = True
    painted_before = np.zeros_like(interior)
    for index in range(flat.start, len(process)):
        frame = process.frame(index)
        painted = (frame.min(axis=-1) < 235) & interior
        assert not (painted_before & ~painted).any(), f"paint went back to canvas on frame {index}"
        painted_before |= painted
        contours, _ = cv2.findContours(painted.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = np.zeros(painted.shape, np.uint8)
        cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
        holes = (outline > 0) & ~painted
        assert holes.mean() < 0.003, f"white holes in the paint on frame {index}: {holes.mean():.4f}"


def test_transparent_areas_get_no_colour():
    rgba = np.zeros((160, 128, 4), np.uint8)
    cv2.circle(rgba, (64, 80), 40, (230, 110, 60, 255), -1)
    cv2.circle(rgba, (64, 80), 40, (20, 20, 20, 255), 3)
    process = DrawingProcess(picture_from_array(rgba, "128x160").pixels, frames=40, seed=1, workflow="cel")
    far = np.ones((160, 128), np.uint8)
    cv2.circle(far, (64, 80), 46, 0, -1)
    flat = next(stage for stage in process.stages if stage.name == "flat")
    for index in range(flat.start, len(process)):  # the colour stages, once the sketch is put away
        assert process.frame(index)[far > 0].min() >= 250, "no colour where the picture is transparent"
