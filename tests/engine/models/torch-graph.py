#!/usr/bin/env python3
"""tests/engine/models/torch-graph.py — runs mammoscope-graph JSON files in
PyTorch, an independent reading of the op semantics, for test-graph.

    torch-graph.py OUT_DIR SIZE GRAPH.json...
    torch-graph.py --parity GRAPH.json WEIGHTS IO OUT LR

For each graph NAME it writes OUT_DIR/NAME.json (the graph with the input
shape fixed to (1, C, SIZE, SIZE)), OUT_DIR/NAME.safetensors (the modules'
parameters, F32, encoded by hand: the safetensors package is not a
dependency) and OUT_DIR/NAME.txt ("node d0,d1,.." per node, the shapes
PyTorch computed). --parity runs GRAPH with WEIGHTS on IO's "input" and
writes to OUT what test-model compares (see parity()). Exits 77 when torch is missing so the C test skips."""
import json
import os
import struct
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)


class Net:
    """The graph as PyTorch modules, created on first use (their input
    channels come from the first forward) in node order."""

    def __init__(self, graph):
        self.graph, self.mods = graph, {}

    def module(self, node, x):
        op, p, name = node["op"], node.get("params", {}), node["name"]
        if name in self.mods:
            return self.mods[name]
        if op in ("conv2d", "conv_transpose2d"):
            cls = torch.nn.Conv2d if op == "conv2d" else torch.nn.ConvTranspose2d
            extra = {"output_padding": p.get("output_padding", 0)} if op != "conv2d" else {}
            m = cls(x.shape[1], p["out_channels"], p["kernel"], stride=p.get("stride", 1),
                    padding=p.get("padding", 0), dilation=p.get("dilation", 1),
                    groups=p.get("groups", 1), bias=p.get("bias", True), **extra)
        elif op == "batch_norm":
            m = torch.nn.BatchNorm2d(x.shape[1], eps=p.get("eps", 1e-5), momentum=p.get("momentum", 0.1))
        elif op == "group_norm":
            m = torch.nn.GroupNorm(p["groups"], x.shape[1], eps=p.get("eps", 1e-5))
        elif op == "dense":
            m = torch.nn.Linear(x.shape[1], p["out_features"], bias=p.get("bias", True))
        else:
            m = None
        self.mods[name] = m
        return m

    def params(self):
        """name -> tensor: parameters and running statistics, as the graph names them."""
        out = {}
        for name, m in self.mods.items():
            if m is not None:
                for k, v in m.state_dict(keep_vars=True).items():
                    if k != "num_batches_tracked":
                        out[name + "." + k] = v
        return out

    def train(self, mode):
        for m in self.mods.values():
            if m is not None:
                m.train(mode)

    def forward(self, x0, training=False):
        graph = self.graph
        values = {graph["inputs"][0]["name"]: x0}
        for node in graph["nodes"]:  # presets are written in topological order
            op, p, name = node["op"], node.get("params", {}), node["name"]
            xs = [values[i] for i in node["inputs"]]
            x = xs[0]
            m = self.module(node, x)
            if m is not None:
                m.train(training)
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
                # Parity graphs use p = 0 (masks cannot match across RNGs).
                y = F.dropout(x, p.get("p", 0.5), training) if p.get("p", 0.5) > 0 else x
            elif op == "flatten":
                y = x.flatten(1)
            else:
                raise SystemExit("unknown op " + op)
            values[name] = y
        return values


def run(graph, size):
    torch.manual_seed(0)
    c = graph["inputs"][0]["shape"][1]
    net = Net(graph)
    with torch.no_grad():
        values = net.forward(torch.randn(1, c, size, size))
    return values, {k: v.detach().float().contiguous() for k, v in net.params().items()}


def read_safetensors(path):
    import numpy
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        arr = numpy.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4").reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def parity(graph_path, weights_path, io_path, out_path, lr):
    """Eval outputs, training outputs, parameter gradients of
    L = sum_o sum(r.o * o), running statistics after the training forward
    and the parameters after one torch.optim.Adam step from those gradients."""
    torch.set_num_threads(1)
    with open(graph_path) as f:
        graph = json.load(f)
    io = read_safetensors(io_path)
    weights = read_safetensors(weights_path)
    net = Net(graph)
    x = io["input"]
    with torch.no_grad():
        net.forward(x)  # creates the modules
        for k, v in net.params().items():
            v.copy_(weights[k])
    result = {}
    with torch.no_grad():
        ev = net.forward(x, training=False)
    for o in graph["outputs"]:
        result["eval." + o] = ev[o].float().contiguous()
    tr = net.forward(x, training=True)
    loss = sum((tr[o] * io["r." + o]).sum() for o in graph["outputs"])
    loss.backward()
    for o in graph["outputs"]:
        result["train." + o] = tr[o].detach().float().contiguous()
    params = {k: v for k, v in net.params().items() if v.requires_grad}
    for k, v in net.params().items():
        if not v.requires_grad:
            result["stat." + k] = v.detach().clone()
    for k, v in params.items():
        result["grad." + k] = v.grad.detach().clone()
    opt = torch.optim.Adam(list(params.values()), lr=lr)
    opt.step()
    for k, v in params.items():
        result["adam." + k] = v.detach().clone()
    write_safetensors(out_path, result)


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
    if sys.argv[1] == "--parity":
        parity(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]))
        return
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


if __name__ == "__main__":
    main()
