"""Small JPEG views of an upright page, for reviewers' screens and thumbnails."""

from __future__ import annotations

import cv2
import numpy as np

_PREVIEW_QUALITY = 75


def page_previews(pixels: np.ndarray, long_sides: tuple[int, ...]) -> dict[int, bytes]:
    """JPEG bytes of the page scaled so its longer side is each of `long_sides` pixels.

    A page already smaller is encoded at its own size: a preview is never upscaled.
    """
    previews: dict[int, bytes] = {}
    height, width = pixels.shape[:2]
    for side in long_sides:
        factor = min(1.0, side / max(height, width))
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = pixels if factor == 1.0 else cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            small = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)  # OpenCV encodes BGR
        ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, _PREVIEW_QUALITY])
        if not ok:  # pragma: no cover - OpenCV encodes any uint8 image it is given
            raise ValueError("could not encode a page preview")
        previews[side] = encoded.tobytes()
    return previews
