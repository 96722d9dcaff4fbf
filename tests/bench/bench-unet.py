#!/usr/bin/env python3
"""tests/bench/bench-unet.py — PyTorch side of bench-unet: the same graph
and weights through tests/engine/models/torch-graph.py's Net, timed with
the same thread count.

    bench-unet.py TORCH_GRAPH_PY GRAPH.json WEIGHTS THREADS REPS

Prints "infer_s S" (eval forward 1x1x512x512) and "train_s S" (forward,
backward and Adam at 4x1x256x256), best of REPS after a warm-up. Exits 77
without torch."""
import importlib.util
import json
import sys
import time

try:
    import torch
except ImportError:
    sys.exit(77)


def best(fn, reps):
    fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t)


def main():
    tg_path, graph_path, weights, threads, reps = sys.argv[1:6]
    spec = importlib.util.spec_from_file_location("torch_graph", tg_path)
    tg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tg)
    torch.set_num_threads(int(threads))
    reps = int(reps)
    with open(graph_path) as f:
        graph = json.load(f)
    net = tg.Net(graph)
    w = tg.read_safetensors(weights)
    x = torch.randn(1, 1, 512, 512)
    with torch.no_grad():
        net.forward(x)
        for k, v in net.params().items():
            v.copy_(w[k])

    def infer():
        with torch.no_grad():
            net.forward(x, training=False)

    print("infer_s %.6f" % best(infer, reps))
    xt = torch.randn(4, 1, 256, 256)
    params = [v for v in net.params().values() if v.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-3)

    def train():
        opt.zero_grad()
        out = net.forward(xt, training=True)
        loss = sum((out[o] * 0.01).sum() for o in graph["outputs"])
        loss.backward()
        opt.step()

    print("train_s %.6f" % best(train, reps))


main()
