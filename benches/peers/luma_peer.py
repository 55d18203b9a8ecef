"""Peer figure for benches/camera.rs `luma_1080p_yuyv/full_frame_*`: OpenCV's 256-bin histogram
of the Y channel of 1080p YUYV frames, on the same three frame kinds (random, uniform, camera-like
shading with +-3 noise), cycling over 10 distinct frames (41 MB) so each is read from memory.

Needs `pip install opencv-python-headless numpy`. Run: python3 benches/peers/luma_peer.py
cv2.setNumThreads(1) keeps OpenCV on one core, as the Rust code is.
"""

import time

import cv2
import numpy as np

W, H, FRAMES, SECONDS = 1920, 1080, 10, 3.0


def frame(kind, index, rng):
    """One YUYV frame as an H x 2W uint8 array (luma at even columns, chroma 128)."""
    if kind == "random":
        luma = rng.integers(0, 256, (H, W), dtype=np.uint8)
    elif kind == "uniform":
        luma = np.full((H, W), 40 + 20 * index, dtype=np.uint8)
    else:
        y, x = np.mgrid[0:H, 0:W]
        shade = 60 + (x + y) * 120 // (W + H) + index * 4
        luma = np.clip(shade + rng.integers(-3, 4, (H, W)), 0, 255).astype(np.uint8)
    yuyv = np.full((H, 2 * W), 128, dtype=np.uint8)
    yuyv[:, 0::2] = luma
    return yuyv


def main():
    cv2.setNumThreads(1)
    rng = np.random.default_rng(7)
    for kind in ("random", "uniform", "camera"):
        frames = [frame(kind, i, rng) for i in range(FRAMES)]
        # The Y plane as a strided view (no copy), the way a YUYV reader would see it.
        planes = [f[:, 0::2] for f in frames]
        for plane in planes:
            hist = cv2.calcHist([plane], [0], None, [256], [0, 256])
            assert int(hist.sum()) == W * H
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < SECONDS:
            cv2.calcHist([planes[n % FRAMES]], [0], None, [256], [0, 256])
            n += 1
        elapsed = time.perf_counter() - start
        print(f"opencv calcHist full_frame_{kind}: {n / elapsed:.0f} frames/s")


if __name__ == "__main__":
    main()
