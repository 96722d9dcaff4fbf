#!/usr/bin/env python3
"""tests/engine/models/torch-graph.py — runs mammoscope-graph JSON files in
PyTorch, an independent reading of the op semantics, for test-graph.

    torch-graph.py OUT_DIR SIZE GRAPH.json...

For each graph NAME it writes OUT_DIR/NAME.json (the graph with the input
shape fixed to (1, C, SIZE, SIZE)), OUT_DIR/NAME.safetensors (the modules'
parameters, F32, encoded by hand: the safetensors package is not a
dependency) and OUT_DIR/NAME.txt ("node d0,d1,.." per node, the shapes
PyTorch computed). Exits 77 when torch is missing so the C test skips."""
import json
import os
import struct
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)


def run(graph, size):
    torch.manual_seed(0)
    c = graph["inputs"][0]["shape"][1]
    values = {graph["inputs"][0]["name"]: torch.randn(1, c, size, size)}
    params = {}
    for node in graph["nodes"]:  # presets are written in topological order
        op, p, name = node["op"], node.get("params", {}), node["name"]
        xs = [values[i] for i in node["inputs"]]
        x = xs[0]
        if op in ("conv2d", "conv_transpose2d"):
            cls = torch.nn.Conv2d if op == "conv2d" else torch.nn.ConvTranspose2d
            extra = {"output_padding": p.get("output_padding", 0)} if op != "conv2d" else {}
            m = cls(x.shape[1], p["out_channels"], p["kernel"], stride=p.get("stride", 1),
                    padding=p.get("padding", 0), dilation=p.get("dilation", 1),
                    groups=p.get("groups", 1), bias=p.get("bias", True), **extra)
        elif op == "batch_norm":
            m = torch.nn.BatchNorm2d(x.shape[1], eps=p.get("eps", 1e-5))
        elif op == "group_norm":
            m = torch.nn.GroupNorm(p["groups"], x.shape[1], eps=p.get("eps", 1e-5))
        elif op == "dense":
            lin = torch.nn.Linear(x.shape[1], p["out_features"], bias=p.get("bias", True))
            m = lin
        else:
            m = None
        if m is not None:
            m.eval()
            for k, v in m.state_dict().items():
                if k != "num_batches_tracked":
                    params[name + "." + k] = v.detach().float().contiguous()
        with torch.no_grad():
            if op == "dense":
                y = m(x.flatten(1)).reshape((x.shape[0], -1) + tuple(x.shape[2:]))
            elif m is not None:
                y = m(x)
            elif op in ("relu", "silu", "sigmoid"):
                y = getattr(torch, op)(x) if op != "silu" else F.silu(x)
            elif op == "softmax":
                y = torch.softmax(x, dim=p.get("axis", 1))
            elif op in ("max_pool", "avg_pool"):
                fn = F.max_pool2d if op == "max_pool" else F.avg_pool2d
                y = fn(x, p["kernel"], p.get("stride", p["kernel"]), p.get("padding", 0))
            elif op == "global_avg_pool":
                y = F.adaptive_avg_pool2d(x, 1)
            elif op == "resize_bilinear":
                ac = p.get("align_corners", False)
                if len(xs) == 2:
                    y = F.interpolate(x, size=xs[1].shape[2:], mode="bilinear", align_corners=ac)
                else:
                    y = F.interpolate(x, scale_factor=p["scale"], mode="bilinear", align_corners=ac)
            elif op == "concat":
                y = torch.cat(xs, dim=p.get("axis", 1))
            elif op == "add":
                y = xs[0] + xs[1]
            elif op == "mul":
                y = xs[0] * xs[1]
            elif op == "dropout":
                y = x
            elif op == "flatten":
                y = x.flatten(1)
            else:
                raise SystemExit("unknown op " + op)
        values[name] = y
    return values, params


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        b = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out, size = sys.argv[1], int(sys.argv[2])
    for path in sys.argv[3:]:
        with open(path) as f:
            graph = json.load(f)
        values, params = run(graph, size)
        graph["inputs"][0]["shape"] = [1, graph["inputs"][0]["shape"][1], size, size]
        stem = os.path.join(out, graph["name"])
        with open(stem + ".json", "w") as f:
            json.dump(graph, f)
        write_safetensors(stem + ".safetensors", params)
        with open(stem + ".txt", "w") as f:
            for node in graph["nodes"]:
                f.write("%s %s\n" % (node["name"], ",".join(str(d) for d in values[node["name"]].shape)))


main()
