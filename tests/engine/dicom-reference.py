#!/usr/bin/python3
# tests/engine/dicom-reference.py — independent references for the DICOM tests.
#
# The C tests spawn this with Debian's /usr/bin/python3 so that expectations
# come from PIL and pydicom, never from the code under test (DCMTK, our PNG
# reader). Commands:
#   png OUT.raw IN.png      8-bit grey samples, row-major; prints "W H"
#   modality OUT.raw IN.dcm first frame after the modality LUT as int32 LE,
#                           row-major; prints "W H" (pydicom's own decoders)
#   headers DIR             one line per *.dcm: name<TAB>rows<TAB>cols<TAB>pixels(0/1)
#                           (rows/cols -1 when absent or unreadable)
import os
import sys
import warnings


def png(out_path, png_path):
    from PIL import Image
    with Image.open(png_path) as im:
        if im.mode != "L":
            raise SystemExit(f"{png_path}: expected 8-bit grey, got {im.mode}")
        with open(out_path, "wb") as out:
            out.write(im.tobytes())
        print(im.width, im.height)


def modality(out_path, dcm_path):
    import numpy
    import pydicom
    from pydicom.pixel_data_handlers.util import apply_modality_lut
    warnings.simplefilter("ignore")
    ds = pydicom.dcmread(dcm_path)
    arr = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        arr = arr[0]
    values = numpy.rint(apply_modality_lut(arr, ds)).astype("<i4")
    with open(out_path, "wb") as out:
        out.write(values.tobytes())
    print(arr.shape[1], arr.shape[0])


def headers(folder):
    import pydicom
    warnings.simplefilter("ignore")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".dcm"):
            continue
        rows = cols = -1
        pixels = 0
        try:
            ds = pydicom.dcmread(os.path.join(folder, name), force=True)
            rows = int(ds.get("Rows", -1) or -1)
            cols = int(ds.get("Columns", -1) or -1)
            pixels = 1 if "PixelData" in ds else 0
        except Exception:
            pass
        print(f"{name}\t{rows}\t{cols}\t{pixels}")


def main(argv):
    if len(argv) == 4 and argv[1] == "png":
        png(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "modality":
        modality(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "headers":
        headers(argv[2])
    else:
        raise SystemExit("usage: dicom-reference.py png OUT IN | modality OUT IN | headers DIR")


if __name__ == "__main__":
    main(sys.argv)
