#!/usr/bin/python3
# tests/engine/imaging/cv-regions.py — OpenCV 4.6 reference for the
# threshold, components and edge tests (test-threshold.c, test-components.c,
# test-edge.c). Images travel as 8/16-bit PNG files; results on stdout.
import os
import sys

try:
    import cv2
    import numpy as np
except ImportError as e:
    print(f"cv2 unavailable: {e}", file=sys.stderr)
    sys.exit(77)


def read(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit(f"cannot read {path}")
    return img


def otsu_numpy(img, mask):
    """Otsu's between-class variance maximisation over all 2^16 bins in
    float64, classes <= t and > t; first maximum wins (as OpenCV's)."""
    vals = img[mask != 0] if mask is not None else img.ravel()
    hist = np.bincount(vals.ravel(), minlength=65536).astype(np.float64)
    p = hist / vals.size
    i = np.arange(p.size, dtype=np.float64)
    q1 = np.cumsum(p)
    m1 = np.cumsum(p * i)
    mu = m1[-1]
    q2 = 1.0 - q1
    ok = (np.minimum(q1, q2) >= np.finfo(np.float32).eps) & (np.maximum(q1, q2) <= 1 - np.finfo(np.float32).eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu1 = m1 / q1
        mu2 = (mu - m1) / q2
        sigma = np.where(ok, q1 * q2 * (mu1 - mu2) ** 2, 0.0)
    return int(np.argmax(sigma)) if sigma.max() > 0 else 0


def main(argv):
    cmd = argv[1]
    if cmd == "otsu-dir":           # DIR: "name threshold" for each PNG
        for name in sorted(os.listdir(argv[2])):
            if name.endswith(".png"):
                img = read(os.path.join(argv[2], name))
                t, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
                print(name[:-4], int(t))
    elif cmd == "large":            # IN OUT: 3328 x 4096 12-bit (x16) upscale of an 8-bit image
        big = cv2.resize(read(argv[2]), (3328, 4096), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(argv[3], big.astype(np.uint16) * 16)
    elif cmd == "otsu":             # IN: cv2 value (8 or 16 bit)
        img = read(argv[2])
        maxval = 255 if img.dtype == np.uint8 else 65535
        t, _ = cv2.threshold(img, 0, maxval, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        print(int(t))
    elif cmd == "otsu-numpy":       # IN [MASK]: numpy value
        img = read(argv[2])
        mask = read(argv[3]) if len(argv) > 3 else None
        print(otsu_numpy(img, mask))
    elif cmd == "adaptive":         # IN OUT mean|gaussian BLOCK C
        method = cv2.ADAPTIVE_THRESH_MEAN_C if argv[4] == "mean" else cv2.ADAPTIVE_THRESH_GAUSSIAN_C
        out = cv2.adaptiveThreshold(read(argv[2]), 255, method, cv2.THRESH_BINARY, int(argv[5]), float(argv[6]))
        cv2.imwrite(argv[3], out)
    elif cmd == "components":       # IN CONNECTIVITY: n, then area x y w h cx cy per component
        n, _, stats, cents = cv2.connectedComponentsWithStats(read(argv[2]), connectivity=int(argv[3]))
        print(n - 1)
        for i in range(1, n):
            x, y, w, h, a = stats[i]
            print(a, x, y, w, h, repr(float(cents[i][0])), repr(float(cents[i][1])))
    elif cmd == "canny":            # IN OUT LOW HIGH L2
        out = cv2.Canny(read(argv[2]), float(argv[4]), float(argv[5]), apertureSize=3,
                        L2gradient=argv[6] == "1")
        cv2.imwrite(argv[3], out)
    elif cmd == "hough":            # EDGES RHO THETA MIN MAX THRESHOLD: rho theta votes per line
        lines = cv2.HoughLinesWithAccumulator(read(argv[2]), float(argv[3]), float(argv[4]),
                                              int(argv[7]) - 1,  # cv2 keeps votes > threshold
                                              min_theta=float(argv[5]), max_theta=float(argv[6]))
        for rho, theta, votes in (lines.reshape(-1, 3) if lines is not None else []):
            print(repr(float(rho)), repr(float(theta)), int(votes))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
