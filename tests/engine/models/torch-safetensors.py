#!/usr/bin/env python3
"""tests/engine/models/torch-safetensors.py — writes PREFIX.safetensors from
torch tensors with an independent encoder of the format (the safetensors
package is not a dependency), PREFIX.txt listing "name dtype (d0,d1,..) raw"
and one raw little-endian float32 file per tensor with the expected values.
Exits 77 when torch is missing so the C test skips."""
import json
import struct
import sys

try:
    import torch
except ImportError:
    sys.exit(77)

prefix = sys.argv[1]
g = torch.Generator().manual_seed(1234)
conv = torch.nn.Conv2d(3, 8, 3, padding=1)
with torch.no_grad():
    conv.weight.copy_(torch.randn(conv.weight.shape, generator=g))
bn = torch.nn.BatchNorm2d(8)
with torch.no_grad():
    bn.running_var.uniform_(0.5, 2.0, generator=g)
tensors = {
    "enc.conv.weight": (conv.weight.detach(), "F32"),
    "enc.conv.bias": (conv.bias.detach(), "F32"),
    "enc.bn.running_var": (bn.running_var, "F32"),
    "head.dense.weight": (torch.randn(3, 8, generator=g).half(), "F16"),
    "head.dense.bias": (torch.randn(3, generator=g).bfloat16(), "BF16"),
}


def raw(t, dtype):
    t = t.contiguous()
    if dtype == "BF16":
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4" if dtype == "F32" else "<f2").tobytes()


# Insertion order differs from name order on purpose: the reader must sort.
header, blobs, offset = {"__metadata__": {"source": "torch"}}, [], 0
for name, (t, dtype) in tensors.items():
    b = raw(t, dtype)
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
    blobs.append(b)
    offset += len(b)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open(prefix + ".safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

with open(prefix + ".txt", "w") as f:
    for i, (name, (t, dtype)) in enumerate(tensors.items()):
        path = "%s-%d.f32" % (prefix, i)
        with open(path, "wb") as r:
            r.write(t.float().numpy().astype("<f4").tobytes())
        f.write("%s %s (%s) %s\n" % (name, dtype, ",".join(str(d) for d in t.shape), path))
