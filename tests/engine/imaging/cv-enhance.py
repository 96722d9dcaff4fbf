#!/usr/bin/python3
# tests/engine/imaging/cv-enhance.py — OpenCV 4.6 / numpy reference for
# test-enhance.c and the enhancement timings. Images travel as 8/16-bit PNG,
# float results as raw little-endian float32. Exits 77 without cv2.
#   clahe IN OUT CLIP TX TY      cv2.createCLAHE(CLIP, (TX, TY)).apply
#   stretch IN MASK|- OUT LOW HIGH   the percentile stretch formula in numpy
#   normalize IN MASK|- OUT.f32  (x - mean) / std inside mask, float64 math
#   bench IN CLIP TX TY REPEAT   milliseconds per cv2 CLAHE call (median)
#   morph IN MASK|- OUT RADIUS MAXV      saturating src + top-hat - black-hat (ellipse), stretched 0.5/99.5
#   unsharp IN MASK|- OUT SIGMA AMOUNT MAXV  src + amount (src - GaussianBlur), stretched 0.5/99.5
#   upscale16 IN OUT             3328 x 4096 linear upscale x 16 (12-bit test image)
import sys
import time

try:
    import cv2
    import numpy as np
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(77)


def load(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit("cannot read " + path)
    return img


def load_mask(path, shape):
    if path == "-":
        return np.ones(shape, bool)
    return load(path) != 0


def stretch(img, mask, low, high, maxv=None):
    # Same definition as msc_enhance_stretch: lo = smallest present value
    # whose cumulative count exceeds low% of n; hi = smallest present value
    # whose count reaches high% of n; round-half-up linear map, clamped.
    bins = 256 if img.dtype == np.uint8 else 65536
    hist = np.bincount(img[mask].ravel(), minlength=bins).astype(np.float64)
    cum = np.cumsum(hist)
    n = cum[-1]
    present = hist > 0
    lo = int(np.argmax(present & (cum > low / 100.0 * n)))
    hi = max(lo, int(np.argmax(present & (cum >= high / 100.0 * n))))
    if maxv is None:
        maxv = int(sys.argv[7]) if len(sys.argv) > 7 else (255 if bins == 256 else 65535)
    v = np.arange(bins, dtype=np.float64)
    if hi == lo:
        lut = np.where(v < lo, 0, np.where(v > lo, maxv, v))
    else:
        lut = np.floor((v - lo) * maxv / (hi - lo) + 0.5)
    lut = np.clip(lut, 0, maxv).astype(img.dtype)
    return lut[img]


def main():
    cmd = sys.argv[1]
    if cmd == "clahe":
        img = load(sys.argv[2])
        clahe = cv2.createCLAHE(float(sys.argv[4]), (int(sys.argv[5]), int(sys.argv[6])))
        cv2.imwrite(sys.argv[3], clahe.apply(img))
    elif cmd == "stretch":
        img = load(sys.argv[2])
        mask = load_mask(sys.argv[3], img.shape)
        cv2.imwrite(sys.argv[4], stretch(img, mask, float(sys.argv[5]), float(sys.argv[6])))
    elif cmd == "normalize":
        img = load(sys.argv[2]).astype(np.float64)
        mask = load_mask(sys.argv[3], img.shape)
        sel = img[mask]
        mean, std = sel.mean(), sel.std()
        out = np.where(mask, (img - mean) / std if std > 0 else 0.0, 0.0)
        out.astype("<f4").tofile(sys.argv[4])
    elif cmd == "morph":
        img = load(sys.argv[2])
        mask = load_mask(sys.argv[3], img.shape)
        r, maxv = int(sys.argv[5]), int(sys.argv[6])
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        top = cv2.morphologyEx(img, cv2.MORPH_TOPHAT, k).astype(np.int32)
        black = cv2.morphologyEx(img, cv2.MORPH_BLACKHAT, k).astype(np.int32)
        v = np.clip(np.minimum(img.astype(np.int32) + top, maxv) - black, 0, maxv).astype(img.dtype)
        cv2.imwrite(sys.argv[4], stretch(v, mask, 0.5, 99.5, maxv))
    elif cmd == "unsharp":
        img = load(sys.argv[2])
        mask = load_mask(sys.argv[3], img.shape)
        sigma, amount, maxv = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
        blur = cv2.GaussianBlur(img, (0, 0), sigma).astype(np.float64)
        f = img.astype(np.float64)
        v = np.clip(np.floor(f + amount * (f - blur) + 0.5), 0, maxv).astype(img.dtype)
        cv2.imwrite(sys.argv[4], stretch(v, mask, 0.5, 99.5, maxv))
    elif cmd == "upscale16":
        img = load(sys.argv[2])
        big = cv2.resize(img, (3328, 4096), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(sys.argv[3], big.astype(np.uint16) * 16)
    else:
        sys.exit("unknown command " + cmd)


main()
