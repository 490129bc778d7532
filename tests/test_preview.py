"""Page previews: scaled down to the asked longer side, never up, readable as JPEG."""

from __future__ import annotations

import cv2
import numpy as np

from digitize.imaging.preview import page_previews


def test_previews_scale_the_longer_side_and_keep_the_aspect() -> None:
    page = np.full((3508, 2480), 255, np.uint8)
    page[1000:1200, 500:2000] = 0
    previews = page_previews(page, (1600, 256))
    big = cv2.imdecode(np.frombuffer(previews[1600], np.uint8), cv2.IMREAD_UNCHANGED)
    thumb = cv2.imdecode(np.frombuffer(previews[256], np.uint8), cv2.IMREAD_UNCHANGED)
    assert big.shape == (1600, round(2480 * 1600 / 3508))
    assert thumb.shape[0] == 256
    # The dark band is still where it was.
    assert big[round(1100 * 1600 / 3508), 500] < 64


def test_a_small_page_is_not_upscaled_and_colour_stays_colour() -> None:
    page = np.zeros((100, 80, 3), np.uint8)
    page[:, :, 0] = 255  # red, in RGB
    preview = page_previews(page, (1600,))[1600]
    decoded = cv2.imdecode(np.frombuffer(preview, np.uint8), cv2.IMREAD_COLOR)  # BGR
    assert decoded.shape == (100, 80, 3)
    assert decoded[50, 40, 2] > 200 and decoded[50, 40, 0] < 60
