#!/usr/bin/env python3
# tests/engine/imaging/cv-filter.py — OpenCV 4.6 reference for test-filter.c
# and test-morph.c: `cv-filter.py OP IN OUT [params]`. IN/OUT are 8/16-bit
# PNGs, or raw little-endian float32 files written as PATH.f32@WxH.
import sys
try:
    import cv2
    import numpy as np
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(77)

def load(spec):
    if ".f32@" in spec:
        path, size = spec.split("@")
        w, h = (int(v) for v in size.split("x"))
        return np.fromfile(path, dtype="<f4").reshape(h, w)
    img = cv2.imread(spec, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit(f"cannot read {spec}")
    return img

def save(spec, img):
    if ".f32@" in spec:
        img.astype("<f4").tofile(spec.split("@")[0])
    elif not cv2.imwrite(spec, img):
        sys.exit(f"cannot write {spec}")

SHAPES = {"rect": cv2.MORPH_RECT, "ellipse": cv2.MORPH_ELLIPSE, "cross": cv2.MORPH_CROSS}
OPS = {"erode": cv2.MORPH_ERODE, "dilate": cv2.MORPH_DILATE, "open": cv2.MORPH_OPEN,
       "close": cv2.MORPH_CLOSE, "tophat": cv2.MORPH_TOPHAT, "blackhat": cv2.MORPH_BLACKHAT}

op, src_spec, dst_spec, *params = sys.argv[1:]
src = load(src_spec)
if op == "median":
    out = cv2.medianBlur(src, int(params[0]))
elif op == "gaussian":                       # sigma ksize (0 = from sigma)
    k = int(params[1])
    out = cv2.GaussianBlur(src, (k, k), float(params[0]),
                           borderType=cv2.BORDER_REFLECT_101)
elif op == "unsharp":                        # sigma amount max_value
    sigma, amount, hi = float(params[0]), float(params[1]), float(params[2])
    blur = cv2.GaussianBlur(src, (0, 0), sigma)
    val = src.astype(np.float64) + amount * (src.astype(np.float64) - blur)
    if src.dtype == np.float32:
        out = val.astype(np.float32)
    else:
        out = np.clip(np.floor(val + 0.5), 0, hi).astype(src.dtype)
elif op == "morph":                          # op shape radius
    r = int(params[2])
    el = cv2.getStructuringElement(SHAPES[params[1]], (2 * r + 1, 2 * r + 1))
    out = cv2.morphologyEx(src, OPS[params[0]], el)
elif op == "fill":                           # flood the background from every border zero
    h, w = src.shape
    reach = np.zeros((h + 4, w + 4), np.uint8)  # floodFill wants 2 more than the image
    pad = np.zeros((h + 2, w + 2), np.uint8)  # a zero frame joins all border zeros
    pad[1:-1, 1:-1] = (src != 0) * 255
    cv2.floodFill(pad, reach, (0, 0), 128, flags=4)
    out = np.where(pad[1:-1, 1:-1] == 128, 0, 255).astype(np.uint8)
else:
    sys.exit(f"unknown op {op}")
save(dst_spec, out)
