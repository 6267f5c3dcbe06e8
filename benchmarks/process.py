"""How each workflow's process unfolds on pictures of each kind. Prints a table per picture.

    python benchmarks/process.py [--frames 105] [--size 320] [--workflows painting] [--pictures painting]

For each picture (the bundled examples, the paintings, graphic and drawings of tests/data/kinds, and
a painting, a flat graphic and a pencil drawing made by tests/kinds.py) and each workflow: the
distance-to-final profile at 10 evenly spaced frames (mean CIELAB distance to the finished picture,
over a blank canvas's), the share of it covered in the last fifth of the frames, the longest run of
unchanged frames, how much is done at 80% of the time (1 minus the distance then), the local
contrast of what is painted in the middle of the process, and the completion order: when each cell
of a 32x32 grid comes, and stays, within 5 of its final colour, as the mean over the top and the
bottom quarter of the picture and the quartiles over all cells (fractions of the process).

Local contrast: at 256 pixels on the long side, |Laplacian| of L* (OpenCV's 3x3) averaged over 5x5;
on each frame from 20% to 80% of the time, its mean where the frame is painted (more than 8 from
white in CIELAB) over the final picture's in the same pixels; the figure is the mean over those
frames. A painted block-in keeps 0.5 or more; a blurred copy of the final scores far less.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from paintsundo.picture import load_picture
from paintsundo.undo.procedural import WORKFLOW_NAMES, DrawingProcess
from paintsundo.undo.procedural.choice import choose_workflow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from kinds import flat_graphic, landscape_painting, pencil_drawing  # noqa: E402

HEADER = (
    "| workflow | distance to final at 10 times | last fifth | still | done at 80% | local contrast"
    " | settled: top / bottom | quartiles |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)
CONTRAST_SIDE = 256
PAINTED = 8.0  # CIELAB distance from white over which a pixel counts as painted
GRID = 32
SETTLED = 5.0


def lab(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def local_contrast(frame: np.ndarray) -> np.ndarray:
    """|Laplacian| of L* averaged over 5x5, at CONTRAST_SIDE on the long side (h w)."""
    scale = CONTRAST_SIDE / max(frame.shape[:2])
    size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    lightness = lab(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))[..., 0]
    return cv2.blur(np.abs(cv2.Laplacian(lightness, cv2.CV_32F, ksize=1)), (5, 5))


def contrast_kept(frames: list[np.ndarray]) -> float:
    """The local contrast of what is painted from 20% to 80% of the time, over the final's there."""
    final = local_contrast(frames[-1])
    ratios = []
    for index in range(round(0.2 * (len(frames) - 1)), round(0.8 * (len(frames) - 1)) + 1):
        small = cv2.resize(frames[index], final.shape[::-1], interpolation=cv2.INTER_AREA)
        painted = np.linalg.norm(lab(small) - [100.0, 0.0, 0.0], axis=-1) > PAINTED
        if painted.any() and final[painted].mean() > 0:
            ratios.append(local_contrast(frames[index])[painted].mean() / final[painted].mean())
    return float(np.mean(ratios)) if ratios else float("nan")


def measure(process: DrawingProcess) -> dict:
    final = lab(process.frame(len(process) - 1))
    height, width = final.shape[:2]
    cells = (GRID, GRID)
    distances, cell_distances, still, longest, previous = [], [], 0, 0, None
    frames = []
    for frame in process:
        frames.append(frame)
        error = np.linalg.norm(lab(frame) - final, axis=-1)
        distances.append(float(error.mean()))
        cell_distances.append(cv2.resize(error, cells, interpolation=cv2.INTER_AREA))
        still = still + 1 if previous is not None and (frame == previous).all() else 0
        longest, previous = max(longest, still), frame
    distances = np.array(distances)
    by_cell = np.stack(cell_distances)  # t 32 32
    unsettled = by_cell >= SETTLED
    # The frame after which each cell stays settled: one past its last unsettled frame.
    last_unsettled = np.where(
        unsettled.any(axis=0), len(by_cell) - 1 - np.argmax(unsettled[::-1], axis=0), -1
    )
    settle = (last_unsettled + 1) / (len(by_cell) - 1)
    fifth = round(0.8 * (len(distances) - 1))
    return {
        "profile": distances[np.linspace(0, len(distances) - 1, 10).round().astype(int)] / distances[0],
        "last_fifth": (distances[fifth] - distances[-1]) / distances[0],
        "done_at_80": 1.0 - distances[fifth] / distances[0],
        "contrast": contrast_kept(frames),
        "still": longest,
        "top": settle[: GRID // 4].mean(),
        "bottom": settle[-GRID // 4 :].mean(),
        "quartiles": np.percentile(settle, [25, 50, 75]),
        "size": (width, height),
    }


def pictures(size: str) -> dict[str, np.ndarray]:
    """The bundled examples, the pictures of each kind in tests/data/kinds, and the made ones."""
    paths = [*sorted((ROOT / "examples").glob("*.jpg")), *sorted((ROOT / "tests/data/kinds").glob("*-*.*"))]
    found = {path.stem: load_picture(path, size).pixels for path in paths if path.suffix != ".md"}
    found.update(
        {
            "made-painting": landscape_painting(),
            "made-graphic": flat_graphic(),
            "made-pencil": pencil_drawing(),
        }
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=105)
    parser.add_argument("--size", default="320")
    parser.add_argument("--workflows", default=",".join(WORKFLOW_NAMES), help="comma-separated")
    parser.add_argument("--pictures", default="", help="only pictures whose name contains this")
    args = parser.parse_args()
    for name, pixels in pictures(args.size).items():
        if args.pictures not in name:
            continue
        chosen, reason, _ = choose_workflow(pixels)
        print(f"\n{name} ({pixels.shape[1]}x{pixels.shape[0]}): auto picks {chosen}, {reason}")
        print(HEADER)
        for workflow in args.workflows.split(","):
            found = measure(DrawingProcess(pixels, frames=args.frames, seed=1, workflow=workflow))
            profile = " ".join(f"{value:.2f}" for value in found["profile"])
            quartiles = " ".join(f"{value:.2f}" for value in found["quartiles"])
            print(
                f"| {workflow} | {profile} | {found['last_fifth']:.3f} | {found['still']} |"
                f" {found['done_at_80']:.2f} | {found['contrast']:.2f} |"
                f" {found['top']:.2f} / {found['bottom']:.2f} | {quartiles} |"
            )


if __name__ == "__main__":
    main()
