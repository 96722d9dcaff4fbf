#!/usr/bin/env python3
"""tests/bench/bench-imaging.py — OpenCV side of bench-imaging: the same
steps on the same PNG files with the same thread count.

    bench-imaging.py THREADS REPS IMAGE.png...

Prints "OP WIDTHxHEIGHT SECONDS" per step and image (best of REPS after a
warm-up), or "OP WIDTHxHEIGHT n/a" where OpenCV refuses the pixel format.
Exits 77 without OpenCV."""
import sys
import time

try:
    import cv2
    import numpy as np
except ImportError:
    sys.exit(77)


def best(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def steps(img):
    h, w = img.shape
    mask = (img > img.mean()).astype(np.uint8) * 255
    ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    clahe = cv2.createCLAHE(2.0, (8, 8))
    rot = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 10, 1.0)
    return {
        "median3": lambda: cv2.medianBlur(img, 3),
        "median5": lambda: cv2.medianBlur(img, 5),
        "gaussian": lambda: cv2.GaussianBlur(img, (0, 0), 2.0),
        "otsu": lambda: cv2.threshold(img, 0, int(img.max()), cv2.THRESH_BINARY | cv2.THRESH_OTSU),
        "components": lambda: cv2.connectedComponentsWithStats(mask, connectivity=8),
        "open-ellipse5": lambda: cv2.morphologyEx(img, cv2.MORPH_OPEN, ellipse),
        "canny": lambda: cv2.Canny(img, 50, 150),
        "clahe": lambda: clahe.apply(img),
        "resize-area/2": lambda: cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
        "resize-area/5": lambda: cv2.resize(img, (w // 5, h // 5), interpolation=cv2.INTER_AREA),
        "resize-linear/4": lambda: cv2.resize(img, (w // 4, h // 4), interpolation=cv2.INTER_LINEAR),
        "rotate10": lambda: cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_LINEAR),
    }


def main():
    threads, reps = int(sys.argv[1]), int(sys.argv[2])
    cv2.setNumThreads(threads)
    for path in sys.argv[3:]:
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        size = "%dx%d" % (img.shape[1], img.shape[0])
        for name, fn in steps(img).items():
            try:
                print(name, size, "%.9f" % best(fn, reps), flush=True)
            except cv2.error:
                print(name, size, "n/a", flush=True)


if __name__ == "__main__":
    main()
