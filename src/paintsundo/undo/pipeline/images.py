"""Pictures in and out of the models, with the reference app's resizing, buckets and rounding."""

from __future__ import annotations

import numpy as np
import torch


def resize_and_center_crop(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to cover width x height (area filter), then crop the centre (matches the reference app)."""
    source_height, source_width = picture.shape[:2]
    if (source_height, source_width) == (height, width):
        return np.ascontiguousarray(picture)  # what the area filter does at scale 1
    import cv2  # here, so that pictures already at size need no OpenCV (bare GPU machines)

    scale = max(height / source_height, width / source_width)
    resized_width, resized_height = round(source_width * scale), round(source_height * scale)
    resized = cv2.resize(picture, (resized_width, resized_height), interpolation=cv2.INTER_AREA)
    left, top = (resized_width - width) // 2, (resized_height - height) // 2
    return np.ascontiguousarray(resized[top : top + height, left : left + width])


def nearest_bucket(height: int, width: int, buckets: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """The (height, width) bucket closest in aspect ratio; on ties the later one, as the reference."""
    best, best_metric = buckets[0], float("inf")
    for bucket_height, bucket_width in buckets:
        metric = abs(height * bucket_width - width * bucket_height)
        if metric <= best_metric:
            best, best_metric = (bucket_height, bucket_width), metric
    return best


def to_model_range(pictures: list[np.ndarray]) -> torch.Tensor:
    """RGB uint8 pictures (h w 3) -> float b 3 h w in [-1, 1]."""
    return torch.from_numpy(np.stack(pictures)).float().div(127.5).sub(1.0).movedim(-1, 1)


def to_pictures(pixels: torch.Tensor) -> list[np.ndarray]:
    """b 3 h w in [-1, 1] -> RGB uint8 pictures, truncating like the reference app."""
    values = (pixels.float() * 127.5 + 127.5).movedim(1, -1).cpu().numpy()
    return list(values.clip(0, 255).astype(np.uint8))


def video_to_frames(video: torch.Tensor) -> torch.Tensor:
    """b 3 t h w in [-1, 1] -> b t h w 3 uint8 on the video's device, clamped then truncated like the
    reference app. Copying to the host is left to the caller, which can wait until every segment is
    queued: a copy waits for the GPU, and the GPU would then wait for the next segment's launches."""
    values = (video.float().clamp(-1.0, 1.0) * 127.5 + 127.5).to(torch.uint8)
    return values.permute(0, 2, 3, 4, 1)
