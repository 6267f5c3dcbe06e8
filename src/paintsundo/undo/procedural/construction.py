"""Construction marks: the light ellipses and axes an artist starts from, one around each of the
picture's main masses (heads, bodies, big shapes), before any contour is found."""

from __future__ import annotations

import cv2
import numpy as np

MAX_SHAPES = 6
MIN_SHARE = 0.005  # masses smaller than this share of the picture get no ellipse


def construction_marks(labels: np.ndarray, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Opacity (h w, 0..1) of an ellipse fitted to each of the largest chosen labels (`chosen` is a
    bool per label), with its long axis drawn through it, slightly off as by hand."""
    height, width = labels.shape
    sizes = np.bincount(labels.ravel(), minlength=len(chosen))
    sizes = np.where(chosen, sizes, 0)
    marks = np.zeros((height, width), np.uint8)
    thickness = max(1, round(max(height, width) / 640))
    for label in np.argsort(-sizes)[:MAX_SHAPES]:
        if sizes[label] < MIN_SHARE * height * width:
            break
        points = np.column_stack(np.nonzero(labels == label)[::-1]).astype(np.float32)
        points = np.ascontiguousarray(points[:: max(1, len(points) // 4000)])  # a sample fits as well
        (cx, cy), (major, minor), angle = cv2.fitEllipse(points)
        wobble = rng.normal(1.0, 0.04, 2)
        axes = (max(1, round(major * wobble[0] / 2)), max(1, round(minor * wobble[1] / 2)))
        cv2.ellipse(marks, (round(cx), round(cy)), axes, angle, 0, 360, 90, thickness, cv2.LINE_AA)
        radians = np.deg2rad(angle + 90)
        reach = np.array([np.cos(radians), np.sin(radians)]) * max(axes) * 1.1
        centre = np.array([cx, cy])
        start, end = np.round(centre - reach).astype(int), np.round(centre + reach).astype(int)
        cv2.line(marks, tuple(start.tolist()), tuple(end.tolist()), 70, thickness, cv2.LINE_AA)
    return marks.astype(np.float32) / 255.0
