#!/usr/bin/python3
# tests/engine/dicom-synthetic.py — small DICOM files for reader paths that
# the shared data never reaches (LUT sequences, odd High Bit, signed data,
# rescale, multi-frame). Usage: dicom-synthetic.py OUTDIR
# Writes OUTDIR/<case>.dcm, <case>.u16 (expected image values, uint16 LE),
# <case>.u8 (expected default rendering, when pinned) and cases.json.
# Expectations follow PS3.3 C.7.6.3 / C.11 and never run the code under test.
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

W, H = 64, 48
MG = "1.2.840.10008.5.1.4.1.1.1.2"        # Digital Mammography, For Presentation
MF_WORD = "1.2.840.10008.5.1.4.1.1.7.3"   # Multi-frame Grayscale Word SC
MF_BYTE = "1.2.840.10008.5.1.4.1.1.7.2"   # Multi-frame Grayscale Byte SC
RLE = "1.2.840.10008.1.2.5"
JPEGLS = "1.2.840.10008.1.2.4.80"

rng = np.random.default_rng(20240611)     # fixed: the files are reproducible


def ramp(lo, hi, k=0):
    """Every pixel distinct-ish and position-dependent, both extremes present."""
    y, x = np.mgrid[0:H, 0:W]
    span = hi - lo + 1
    v = lo + (x * 67 + y * 41 + k * 1009) % span
    v[0, 0], v[0, 1] = lo, hi
    return v.astype(np.int64)


def base(path, sop_class, rows=H, cols=W):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "MG" if sop_class == MG else "OT"
    ds.PatientName = "SYNTHETIC^LUT"
    ds.PatientID = "SYN-1"
    ds.InstanceNumber = 1
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


def set_pixels(ds, stored, bits_allocated, bits_stored, high_bit, signed, garbage=True):
    """Packs stored values at high_bit and fills the unused bits with noise
    that a reader must mask away (sign bits above high_bit are noise too)."""
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = high_bit
    ds.PixelRepresentation = 1 if signed else 0
    shift = high_bit + 1 - bits_stored
    mask = (1 << bits_stored) - 1
    word = (stored.astype(np.int64) & mask) << shift
    if garbage:
        unused = ((1 << bits_allocated) - 1) & ~(mask << shift)
        word |= rng.integers(0, 1 << bits_allocated, size=stored.shape) & unused
    dtype = "<u2" if bits_allocated == 16 else "u1"
    ds.PixelData = word.astype(dtype).tobytes()


def lut_item(n, first, bits, data, explanation=None, descriptor_vr="US"):
    item = Dataset()
    first_enc = first if descriptor_vr == "SS" or first >= 0 else first + 65536
    item.add_new(0x00283002, descriptor_vr, [n if n < 65536 else 0, first_enc, bits])
    if explanation:
        item.LUTExplanation = explanation
    item.add_new(0x00283006, "OW", np.asarray(data, dtype="<u2").tobytes())
    return item


def lut_lookup(values, first, data):
    idx = np.clip(values - first, 0, len(data) - 1)
    return np.asarray(data, dtype=np.int64)[idx]


def grey(y):
    """0..255 as PS3.3 outputs are rounded for display: half up, clamped."""
    y = np.asarray(y, dtype=np.float64)
    out = np.floor(y + 0.5)
    out[~(y > 0)] = 0
    out[y >= 255] = 255
    return out.astype(np.uint8)


def window_linear(c, w, x):
    """PS3.3 C.11.2.1.2.1 onto 0..255, in modality units."""
    x = x.astype(np.float64)
    half = (w - 1) / 2
    y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0
    y[x <= c - 0.5 - half] = 0.0
    y[x > c - 0.5 + half] = 255.0
    return y


cases = []


def emit(name, ds, image, bits_stored, offset=0.0, windows=(), voi=None,
         display=None, n_frames=1, ts=ExplicitVRLittleEndian, note=None, skip=None):
    """image: expected uint16 values (modality - offset); windows and voi in
    modality units as written, shifted here to image units."""
    out = sys.argv[1]
    path = os.path.join(out, name + ".dcm")
    if ds is not None:
        ds.save_as(path, write_like_original=False)
    assert image.shape == (H, W) and image.min() >= 0 and image.max() < (1 << bits_stored)
    image.astype("<u2").tofile(os.path.join(out, name + ".u16"))
    if display is not None:
        display.astype(np.uint8).tofile(os.path.join(out, name + ".u8"))
    case = {
        "name": name, "file": name + ".dcm", "width": W, "height": H,
        "bits_stored": bits_stored, "value_offset": offset, "n_frames": n_frames,
        "transfer_syntax": ts, "pixels": name + ".u16",
        "display": name + ".u8" if display is not None else None,
        "windows": [{"center": c - offset, "width": w} for c, w in windows],
        "voi_lut": None, "note": note, "skip": skip,
    }
    if voi is not None:
        n, first, bits, data, explanation = voi
        case["voi_lut"] = {"n_entries": n, "first_mapped": first - offset, "bits": bits,
                           "explanation": explanation, "data": [int(v) for v in data]}
    cases.append(case)


def add_windows(ds, windows):
    if windows:
        ds.WindowCenter = [c for c, _ in windows] if len(windows) > 1 else windows[0][0]
        ds.WindowWidth = [w for _, w in windows] if len(windows) > 1 else windows[0][1]


# (1) Modality LUT Sequence: the LUT, not rescale, maps stored to modality.
# Values below first_mapped take entry 0, above the last entry the last.
def modality_lut():
    stored = ramp(0, 4095)
    data = [(i * 16 + 5) for i in range(4000)]
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, False)
    ds.ModalityLUTSequence = Sequence([lut_item(4000, 100, 16, data, "TEST MLUT")])
    windows = [(30000, 20000)]
    add_windows(ds, windows)
    emit("modality-lut", ds, lut_lookup(stored, 100, data), 16, windows=windows)

    # Signed pixels: first mapped is negative, written in US as its two's
    # complement (how most writers do it) and, in a second file, as SS.
    stored = ramp(-2048, 2047)
    data = [(i * 7 + 3) for i in range(3000)]
    for vr in ("US", "SS"):
        ds = base("", MG)
        set_pixels(ds, stored, 16, 12, 11, True)
        ds.ModalityLUTSequence = Sequence([lut_item(3000, -1500, 16, data, None, vr)])
        emit("modality-lut-signed-" + vr.lower(), ds, lut_lookup(stored, -1500, data), 16)


# (2) VOI LUT Sequence and rendering through it when there is no window.
def voi_lut():
    stored = ramp(0, 4095)
    n, first, bits = 3000, 500, 12
    data = [4095 - (i * 4095) // (n - 1) for i in range(n)]      # an inverting curve
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, False)
    ds.VOILUTSequence = Sequence([lut_item(n, first, bits, data, "INVERSE TEST")])
    display = grey(lut_lookup(stored, first, data) * (255.0 / 4095.0))
    emit("voi-lut", ds, stored, 12, voi=(n, first, bits, data, "INVERSE TEST"), display=display)

    # Same LUT with a window preset: the preset wins for the default view.
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, False)
    ds.VOILUTSequence = Sequence([lut_item(n, first, bits, data, "INVERSE TEST")])
    windows = [(2048, 1024)]
    add_windows(ds, windows)
    emit("voi-lut-and-window", ds, stored, 12, windows=windows,
         voi=(n, first, bits, data, "INVERSE TEST"),
         display=grey(window_linear(2048, 1024, stored)))

    # Signed pixels with a negative intercept: the LUT's first mapped value is
    # in modality units and must move with the image's value offset.
    stored = ramp(-2048, 2047)
    modality = stored - 1024
    n, first, bits = 2500, -2500, 16
    data = [(i * 26) for i in range(n)]
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, True)
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.VOILUTSequence = Sequence([lut_item(n, first, bits, data, None)])
    display = grey(lut_lookup(modality, first, data) * (255.0 / 65535.0))
    emit("voi-lut-signed-offset", ds, modality + 3072, 12, offset=-3072.0,
         voi=(n, first, bits, data, None), display=display)


# (3) High Bit above Bits Stored - 1, noise in unused bits, signed data.
def bit_layouts():
    stored = ramp(0, 4095)
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 15, False)
    windows = [(2048, 4096)]
    add_windows(ds, windows)
    emit("highbit15", ds, stored, 12, windows=windows)

    # Signed 12 bits, noise in the top 4, intercept -1024: modality spans
    # -3072..1023, so the image holds modality + 3072 and windows move too.
    stored = ramp(-2048, 2047)
    modality = stored - 1024
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, True)
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    windows = [(-500, 1000), (0, 4000)]
    add_windows(ds, windows)
    emit("signed12-intercept", ds, modality + 3072, 12, offset=-3072.0, windows=windows,
         display=grey(window_linear(-500, 1000, modality)))

    # Signed, High Bit 13: two noise bits on either side of the value.
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 13, True)
    emit("signed12-highbit13", ds, stored + 2048, 12, offset=-2048.0)

    # Unsigned with a negative intercept (CT style): offset by the intercept.
    stored = ramp(0, 4095)
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, False)
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    emit("unsigned-negative-intercept", ds, stored, 12, offset=-1024.0)

    # 8 bits allocated, 6 stored at bits 1..6.
    stored = ramp(0, 63)
    ds = base("", MG)
    set_pixels(ds, stored, 8, 6, 6, False)
    emit("byte-highbit6", ds, stored, 6)


# (5) Rescale slope 2, intercept 10: the image holds 2x + 10.
def rescale():
    stored = ramp(0, 4095)
    ds = base("", MG)
    set_pixels(ds, stored, 16, 12, 11, False)
    ds.RescaleSlope = 2
    ds.RescaleIntercept = 10
    windows = [(4106, 8192)]
    add_windows(ds, windows)
    emit("rescale-slope2", ds, stored * 2 + 10, 14, windows=windows)


# (4) Three frames; the reader returns the first and says so.
def compress(tool, src, dst):
    exe = shutil.which(tool)
    if exe is None:
        return "%s not installed (package dcmtk)" % tool
    subprocess.run([exe, src, dst], check=True)
    return None


def multiframe():
    out = sys.argv[1]
    frames = np.stack([ramp(0, 4095, k) for k in range(3)])
    ds = base("", MF_WORD)
    ds.NumberOfFrames = 3
    set_pixels(ds, frames, 16, 12, 11, False, garbage=False)
    note = "first of 3 frames"
    emit("multiframe-native", ds, frames[0], 12, n_frames=3, note=note)
    src = os.path.join(out, "multiframe-native.dcm")
    for name, tool, ts in (("multiframe-rle", "dcmcrle", RLE),
                           ("multiframe-jpegls", "dcmcjpls", JPEGLS)):
        skip = compress(tool, src, os.path.join(out, name + ".dcm"))
        emit(name, None, frames[0], 12, n_frames=3, ts=ts, note=note, skip=skip)

    frames8 = np.stack([ramp(0, 255, k) for k in range(3)])
    ds = base("", MF_BYTE)
    ds.NumberOfFrames = 3
    set_pixels(ds, frames8, 8, 8, 7, False, garbage=False)
    emit("multiframe-byte", ds, frames8[0], 8, n_frames=3, note=note)
    src = os.path.join(out, "multiframe-byte.dcm")
    skip = compress("dcmcrle", src, os.path.join(out, "multiframe-byte-rle.dcm"))
    emit("multiframe-byte-rle", None, frames8[0], 8, n_frames=3, ts=RLE, note=note, skip=skip)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: dicom-synthetic.py OUTDIR")
    modality_lut()
    voi_lut()
    bit_layouts()
    rescale()
    multiframe()
    with open(os.path.join(sys.argv[1], "cases.json"), "w") as f:
        json.dump({"pydicom": pydicom.__version__, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
