#!/usr/bin/python3
# tests/engine/imaging/cv-geometry.py — OpenCV 4.6 reference for
# test-geometry.c and test-contour.c: resize, rotation, contours, fillPoly,
# approxPolyDP. Images travel as 8/16-bit PNG or raw little-endian float32.
import sys

try:
    import cv2
    import numpy as np
except ImportError as e:
    print(e, file=sys.stderr)
    sys.exit(77)

INTERP = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR,
          "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}


def load(path, w=0, h=0):
    if path.endswith(".f32"):
        return np.fromfile(path, dtype="<f4").reshape(h, w)
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit("cannot read " + path)
    return img


def save(path, img):
    if path.endswith(".f32"):
        img.astype("<f4").tofile(path)
    elif not cv2.imwrite(path, img):
        sys.exit("cannot write " + path)


def points(arg):
    return np.array([[float(v) for v in p.split(",")] for p in arg.split(";")])


def main(argv):
    cmd = argv[1]
    if cmd == "resize":      # IN OUT W H INTERP MAXV [SW SH for .f32]
        src = load(argv[2], *(int(v) for v in argv[8:10]))
        out = cv2.resize(src, (int(argv[4]), int(argv[5])), interpolation=INTERP[argv[6]])
        if out.dtype != np.float32:   # our planes clamp to their bits
            out = np.minimum(out, int(argv[7])).astype(out.dtype)
        save(argv[3], out)
    elif cmd == "rotate":    # IN OUT DEGREES INTERP
        src = load(argv[2])
        h, w = src.shape
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), float(argv[4]), 1.0)
        save(argv[3], cv2.warpAffine(src, m, (w, h), flags=INTERP[argv[5]],
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0))
    elif cmd == "warp":      # IN OUT W H INTERP m0,m1,m2,m3,m4,m5 (source -> result)
        src = load(argv[2])
        m = np.array([float(v) for v in argv[7].split(",")]).reshape(2, 3)
        save(argv[3], cv2.warpAffine(src, m, (int(argv[4]), int(argv[5])), flags=INTERP[argv[6]],
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0))
    elif cmd == "contours":  # MASK: one line per outer/hole contour: area n_points
        mask = load(argv[2])
        cs, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        for c in cs:
            print(cv2.contourArea(c), len(c))
    elif cmd == "fillpoly":  # OUT W H POLY  (integer vertices "x,y;x,y;...")
        img = np.zeros((int(argv[4]), int(argv[3])), np.uint8)
        cv2.fillPoly(img, [points(argv[5]).astype(np.int32)], 255)
        save(argv[2], img)
    elif cmd == "approx":    # EPS POLY: vertex count of approxPolyDP(closed)
        poly = points(argv[3]).astype(np.float32).reshape(-1, 1, 2)
        print(len(cv2.approxPolyDP(poly, float(argv[2]), True)))
    else:
        sys.exit("unknown command " + cmd)


main(sys.argv)
