#!/usr/bin/env python3
"""tools/mine-hard-negatives.py — where did a model fire on healthy tissue?

Reads `mammoscope-cli analyze --json` output for a set of training images
and the MIAS labels file, and writes the trainer's hard-negative file
(`data.hard_negatives`): {"mdbNNN.png": [[x, y], ...]} with the centres of
findings that lie outside every labelled lesion, highest score first. The
next training run then centres a share of its background patches on those
places (`data.hard_negative_share`), so the model sees more of the dense
tissue it confuses with masses.

Images with an abnormality but no position (MIAS lists some calcification
clusters, architectural distortions and asymmetries without a centre) give
no hard negatives: any finding there may be the lesion.

  tools/mine-hard-negatives.py --labels labels.csv --analysis A.json \
      [--per-image 5] [--margin 1.5] -o hard-negatives.json
"""
import argparse
import json
import math
import os
import struct
import sys


def png_height(path):
    """Height from the PNG header (MIAS y counts from the bottom)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path}: not a PNG file")
    return struct.unpack(">I", head[20:24])[0]


def read_lesions(labels, images_dir):
    """image file name -> list of (x, y_top_down, radius), or None when the
    image has an abnormality without a position."""
    out = {}
    with open(labels, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        col = {name: i for i, name in enumerate(header)}
        for n, line in enumerate(f, start=2):
            row = line.strip().split(",")
            if len(row) != len(header):
                raise ValueError(f"{labels}:{n}: {len(row)} fields, header has {len(header)}")
            name = row[col["id"]] + ".png"
            lesions = out.setdefault(name, [])
            if row[col["abnormality"]] == "NORM":
                continue
            if not row[col["x"]]:
                out[name] = None
                continue
            if lesions is None:
                continue
            h = png_height(os.path.join(images_dir, name)) if images_dir else 1024
            lesions.append((float(row[col["x"]]), h - 1 - float(row[col["y_from_bottom"]]),
                            float(row[col["radius"]])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", required=True, help="MIAS labels.csv")
    ap.add_argument("--images", help="MIAS images folder (for image heights; default 1024)")
    ap.add_argument("--analysis", required=True, action="append",
                    help="analyze --json output (repeatable)")
    ap.add_argument("--per-image", type=int, default=5, help="most places kept per image")
    ap.add_argument("--margin", type=float, default=1.5,
                    help="a finding counts as the lesion within margin x radius of its centre")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    lesions = read_lesions(a.labels, a.images)
    out, n_places, n_images = {}, 0, 0
    for path in a.analysis:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
        if not isinstance(records, list):
            sys.exit(f"{path}: expected the list analyze --json writes")
        for r in records:
            name = os.path.basename(r["path"])
            if name not in lesions:
                sys.exit(f"{path}: {name} is not in {a.labels}")
            known = lesions[name]
            if known is None:
                continue
            n_images += 1
            places = []
            for f in sorted(r.get("findings", []), key=lambda f: -f["score"]):
                x, y = f["center"]
                if any(math.hypot(x - lx, y - ly) <= a.margin * lr for lx, ly, lr in known):
                    continue
                places.append([round(x, 1), round(y, 1)])
                if len(places) == a.per_image:
                    break
            if places:
                out[name] = places
                n_places += len(places)
    tmp = a.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    os.replace(tmp, a.output)
    print(f"mine-hard-negatives: {n_places} places on {len(out)} of {n_images} images -> {a.output}")


if __name__ == "__main__":
    main()
