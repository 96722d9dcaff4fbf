#!/usr/bin/python3
# tools/pectoral-study.py — prototype used to choose the breast-mask and
# pectoral-muscle methods of engine/imaging (msc-breast.c, msc-pectoral.c)
# with numbers on the 238 MIAS images. Not a test; needs python3-opencv.
# Usage: tools/pectoral-study.py [MIAS_DIR] [--sheet OUT.png]
import csv, glob, math, os, sys
import cv2
import numpy as np

MIAS = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith('--') else '/work/shared/data/mias'

def labels():
    out = {}
    for r in csv.DictReader(open(os.path.join(MIAS, 'labels.csv'))):
        if r['x']:
            out.setdefault(r['id'], []).append((int(r['x']), 1023 - int(r['y_from_bottom'])))
        else:
            out.setdefault(r['id'], [])
    return out

def otsu(img, mask=None):
    h = cv2.calcHist([img], [0], mask, [256], [0, 256]).ravel()
    p = h / max(h.sum(), 1)
    w = np.cumsum(p); mu = np.cumsum(p * np.arange(256)); mt = mu[-1]
    with np.errstate(divide='ignore', invalid='ignore'):
        s = (mt * w - mu) ** 2 / (w * (1 - w))
    s[~np.isfinite(s)] = 0
    return int(np.argmax(s))

def fill_holes(m):
    h, w = m.shape
    ff = np.pad(m, 1).copy()
    msk = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(ff, msk, (0, 0), 255)
    return m | (~ff[1:-1, 1:-1] & 255) if False else (m | cv2.bitwise_not(ff[1:-1, 1:-1]))

def largest(m):
    n, lab, st, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n <= 1:
        return np.zeros_like(m)
    k = 1 + int(np.argmax(st[1:, cv2.CC_STAT_AREA]))
    return np.where(lab == k, 255, 0).astype(np.uint8)

def breast_mask(img, method):
    med = cv2.medianBlur(img, 5)
    t_otsu = otsu(med)
    if method == 'otsu':
        t = t_otsu
    elif method == 'half-otsu':
        t = t_otsu // 2
    elif method == 'fixed':
        t = 20
    elif method == 'bg':
        # background level + margin: the mode of the dark half of the histogram
        h = np.bincount(med.ravel(), minlength=256)
        bg = int(np.argmax(h[:max(t_otsu, 1)]))
        t = bg + max(4, (t_otsu - bg) // 4)
    m = np.where(med > t, 255, 0).astype(np.uint8)
    # an opening of radius 3 cuts thin bridges to labels touching the breast
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    m = largest(m)
    m = fill_holes(m)
    return m, t

def chest_left(m):
    h, w = m.shape
    return m[:, :w // 2].sum() >= m[:, w // 2:].sum()

# ---- pectoral: the image is flipped so the chest wall is on the left ----

def roi_of(m):
    ys, xs = np.nonzero(m)
    return xs.min(), xs.max() + 1, ys.min(), ys.max() + 1   # chest wall column, right edge, top, bottom

def triangle(x0, y0, top, xl=0):
    return np.array([[xl, top], [xl + x0, top], [xl, top + y0]], np.float64)

def plausible(x0, y0, bw, bh):
    return 0.08 * bw <= x0 <= 0.9 * bw and 0.1 * bh <= y0 <= 1.0 * bh

def pect_hough(img, m):
    xl, xr, top, bot = roi_of(m)
    bh = bot - top; xr -= xl
    roi = cv2.GaussianBlur(img, (0, 0), 3)[top:top + bh * 2 // 3, xl:xl + xr * 2 // 3]
    mroi = m[top:top + bh * 2 // 3, xl:xl + xr * 2 // 3]
    # Canny (20, 60) with 40 votes found 26/238; these lower levels 156.
    e = cv2.Canny(roi, 10, 30)
    e[cv2.erode(mroi, np.ones((15, 15), np.uint8)) == 0] = 0   # no skin line / image edges
    lines = cv2.HoughLines(e, 1, np.pi / 180, 25, min_theta=np.radians(8), max_theta=np.radians(60))
    if lines is None:
        return None
    for rho, th in lines[:20, 0]:
        if rho <= 0:
            continue
        x0 = rho / math.cos(th); y0 = rho / math.sin(th)
        if not plausible(x0, y0, xr, bh):
            continue
        if contrast(img, m, x0, y0, top, xl) < 0.2:
            continue
        return x0, y0, top, xl
    return None

def fit_boundary(mu, top):
    """Least squares x = a + b y over the muscle's right edge rows, twice
    with the worst 20 % of rows dropped. Returns (x0, y0) intercepts."""
    rows = []
    for y in range(mu.shape[0]):
        xs = np.nonzero(mu[y])[0]
        if len(xs):
            rows.append((y, xs.max() + 1))
    if len(rows) < 10:
        return None
    r = np.array(rows, np.float64)
    for _ in range(2):
        A = np.c_[np.ones(len(r)), r[:, 0]]
        coef, *_ = np.linalg.lstsq(A, r[:, 1], rcond=None)
        res = np.abs(A @ coef - r[:, 1])
        r = r[res <= np.quantile(res, 0.8)] if len(r) > 20 else r
    a, b = coef
    if a <= 0 or b >= 0:
        return None
    return a, -a / b

def pect_region(img, m):
    """Bright run from the chest wall in each row (Otsu inside the upper
    chest-wall ROI), followed down while it shrinks; trimmed line fit."""
    xl, xr, top, bot = roi_of(m)
    bh = bot - top; xr -= xl
    h2, w2 = bh * 2 // 3, xr * 2 // 3
    sm = cv2.GaussianBlur(img, (0, 0), 3)[top:top + h2, xl:xl + w2]
    mroi = m[top:top + h2, xl:xl + w2]
    t = otsu(sm, mroi)
    fg = (sm > t) & (mroi > 0)
    rows = []
    best = w2
    for y in range(h2):
        if not mroi[y].any():
            continue
        c0 = int(np.argmax(mroi[y]))   # this row's chest wall (first breast pixel)
        r = fg[y, c0:]
        if not r[:16].any():
            if y < 0.05 * bh:
                continue               # film edge / compression paddle rows at the top
            break                      # the muscle no longer reaches the chest wall
        s0 = int(np.argmax(r[:16]))    # the blurred mask edge is dim: skip it
        run = c0 + s0 + int(np.argmin(r[s0:])) if not r[s0:].all() else w2
        if y < 0.05 * bh:
            continue                   # top rows: film edge and paddle, not a fit point
        if run > best + 0.15 * w2:
            break                      # merged into dense tissue below the muscle
        best = min(best, run)
        rows.append((y, run))
    if len(rows) < 10:
        return None
    r = np.array(rows, np.float64)
    for _ in range(3):
        A = np.c_[np.ones(len(r)), r[:, 0]]
        coef, *_ = np.linalg.lstsq(A, r[:, 1], rcond=None)
        res = np.abs(A @ coef - r[:, 1])
        if len(r) > 20:
            r = r[res <= np.quantile(res, 0.8)]
    a, b = coef
    if a <= 0 or b >= 0:
        return None
    x0, y0 = a, -a / b
    if not plausible(x0, y0, xr, bh):
        return None
    return x0, y0, top, xl

def contrast(img, m, x0, y0, top, xl):
    """Mean inside the triangle minus mean in a band of the same width outside, over std."""
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d = ((xx - xl) / x0 + (yy - top) / y0 - 1) * min(x0, y0)     # ~ pixels from the line
    ins = (d < 0) & (d > -40) & (yy >= top) & (m > 0)
    out = (d > 0) & (d < 40) & (m > 0) & (yy >= top) & (yy < top + y0)
    if ins.sum() < 50 or out.sum() < 50:
        return 0.0
    a, b = img[ins].astype(float), img[out].astype(float)
    return (a.mean() - b.mean()) / (img[m > 0].std() + 1e-6)

def covers(tri, pts):
    c = tri.astype(np.float32).reshape(-1, 1, 2)
    return sum(cv2.pointPolygonTest(c, (float(x), float(y)), False) > 0 for x, y in pts)

def main():
    lab = labels()
    files = sorted(glob.glob(os.path.join(MIAS, 'images', 'mdb*.png')))
    stats = {k: dict(missed=0, area=[]) for k in ['otsu', 'half-otsu', 'fixed', 'bg']}
    pst = {k: dict(found=0, covered=0, frac=[], contrast=[], thetas=[]) for k in ['hough', 'region']}
    lat_ok = 0
    per_image = []
    for f in files:
        name = os.path.basename(f)[:6]
        img = cv2.imread(f, 0)
        pts = lab.get(name, [])
        masks = {}
        for k in stats:
            m, t = breast_mask(img, k)
            masks[k] = m
            stats[k]['missed'] += sum(m[y, x] == 0 for x, y in pts)
            stats[k]['area'].append(m.mean() / 255)
        m = masks['bg']
        left = chest_left(m)
        lat = {r['id']: r['laterality'] for r in csv.DictReader(open(os.path.join(MIAS, 'labels.csv')))}[name]
        lat_ok += (left == (lat == 'L'))
        oi, om = (img, m) if left else (img[:, ::-1].copy(), m[:, ::-1].copy())
        opts = [((1023 - x) if not left else x, y) for x, y in pts]
        row = [name, left]
        for k, fn in [('hough', pect_hough), ('region', pect_region)]:
            r = fn(oi, om)
            if r is None:
                row.append(None); continue
            x0, y0, top, xl = r
            tri = triangle(x0, y0, top, xl)
            cov = covers(tri, opts)
            frac = 0.5 * x0 * y0 / max(om.sum() / 255, 1)
            c = contrast(oi, om, x0, y0, top, xl)
            pst[k]['found'] += 1; pst[k]['covered'] += cov
            pst[k]['frac'].append(frac); pst[k]['contrast'].append(c)
            pst[k]['thetas'].append(math.degrees(math.atan2(x0, y0)))
            row.append((x0, y0, top, xl, cov, frac, c))
        per_image.append(row)
    n = len(files)
    print(f'{n} images, {sum(len(v) for v in lab.values())} finding centres')
    for k, s in stats.items():
        print(f'mask {k:9s}: centres outside mask {s["missed"]}, area fraction median {np.median(s["area"]):.3f} min {min(s["area"]):.3f}')
    print(f'chest wall side agrees with laterality (L -> left): {lat_ok}/{n}')
    for k, s in pst.items():
        fr = np.array(s['frac']); c = np.array(s['contrast'])
        print(f'pectoral {k:6s}: found {s["found"]}/{n}, finding centres covered {s["covered"]}, '
              f'area fraction median {np.median(fr):.3f} [{fr.min():.3f}, {fr.max():.3f}], '
              f'contrast median {np.median(c):.2f}, contrast < 0.3: {(c < 0.3).sum()}, '
              f'angle deg median {np.median(s["thetas"]):.1f}')
    both = [r for r in per_image if r[2] and r[3]]
    agree = sum(abs(r[2][0] - r[3][0]) < 0.2 * max(r[2][0], r[3][0]) and abs(r[2][1] - r[3][1]) < 0.2 * max(r[2][1], r[3][1]) for r in both)
    print(f'both found {len(both)}, intercepts within 20 %: {agree}')
    np.save('/tmp/breast/study.npy', np.array(per_image, dtype=object), allow_pickle=True)

if __name__ == '__main__':
    main()
