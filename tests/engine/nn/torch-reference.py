#!/usr/bin/python3
# tests/engine/nn/torch-reference.py — PyTorch reference outputs for the
# engine/nn kernel tests and the conv benchmark (test-only; never a runtime
# dependency). Reads a JSON spec from argv[1] (or stdin); exits 77 when
# torch is missing so the C test can skip.
#
# Spec: {"cases": [case, ...]} where each case has "op" (conv2d,
# conv_transpose2d, dense, conv2d_bn), "dir" holding raw float32 inputs
# written by the C test (x, w, [b], dy; for conv2d_bn gamma, beta, mean,
# var), "params" as in the C params struct, "bias" (bool), and optionally
# "eps". Outputs y, dx, dw, [db] are written as raw float32 into "dir".
# {"bench": [case, ...], "threads": t, "reps": r} times forward and
# backward on random data instead and prints one line per case,
# {"forward_s": .., "backward_s": ..} (best of reps). argv[1] may be the
# JSON itself instead of a file name.
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"torch-reference: {e}", file=sys.stderr)
    sys.exit(77)


def load(d, name, shape):
    a = np.fromfile(os.path.join(d, name + ".bin"), dtype=np.float32)
    return torch.from_numpy(a.reshape(shape).copy())


def save(d, name, t):
    t.detach().contiguous().numpy().astype(np.float32).tofile(os.path.join(d, name + ".bin"))


def shapes(case):
    p = case["params"]
    op = case["op"]
    if op == "dense":
        return (p["n"], p["in"]), (p["out"], p["in"]), (p["out"],)
    x = (p["n"], p["c_in"], p["h_in"], p["w_in"])
    if op == "conv_transpose2d":
        w = (p["c_in"], p["c_out"] // p["groups"], p["kh"], p["kw"])
    else:
        w = (p["c_out"], p["c_in"] // p["groups"], p["kh"], p["kw"])
    return x, w, (p["c_out"],)


def apply(case, x, w, b):
    p = case["params"]
    op = case["op"]
    if op == "dense":
        return torch.nn.functional.linear(x, w, b)
    kw = dict(stride=(p["stride_h"], p["stride_w"]), padding=(p["pad_h"], p["pad_w"]),
              dilation=(p["dil_h"], p["dil_w"]), groups=p["groups"])
    if op == "conv_transpose2d":
        return torch.nn.functional.conv_transpose2d(
            x, w, b, output_padding=(p["out_pad_h"], p["out_pad_w"]), **kw)
    return torch.nn.functional.conv2d(x, w, b, **kw)


def run_case(case):
    d = case["dir"]
    xs, ws, bs = shapes(case)
    x = load(d, "x", xs).requires_grad_(True)
    w = load(d, "w", ws).requires_grad_(True)
    b = load(d, "b", bs).requires_grad_(True) if case.get("bias") else None
    if case["op"] == "conv2d_bn":
        # Inference: conv, then BatchNorm2d in eval mode with running stats.
        c = case["params"]["c_out"]
        bn = torch.nn.BatchNorm2d(c, eps=case["eps"])
        with torch.no_grad():
            bn.weight.copy_(load(d, "gamma", (c,)))
            bn.bias.copy_(load(d, "beta", (c,)))
            bn.running_mean.copy_(load(d, "mean", (c,)))
            bn.running_var.copy_(load(d, "var", (c,)))
        bn.eval()
        with torch.no_grad():
            save(d, "y", bn(apply(dict(case, op="conv2d"), x, w, b)))
        return
    y = apply(case, x, w, b)
    save(d, "y", y)
    y.backward(load(d, "dy", tuple(y.shape)))
    save(d, "dx", x.grad)
    save(d, "dw", w.grad)
    if b is not None:
        save(d, "db", b.grad)


def bench_one(case, reps):
    torch.manual_seed(0)
    xs, ws, bs = shapes(case)
    x = torch.randn(xs, requires_grad=True)
    w = torch.randn(ws, requires_grad=True)
    b = torch.randn(bs, requires_grad=True)
    with torch.no_grad():
        apply(case, x, w, b)          # warm-up
    fwd = float("inf")
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            apply(case, x, w, b)
            fwd = min(fwd, time.perf_counter() - t0)
    y = apply(case, x, w, b)
    dy = torch.randn(y.shape)
    y.backward(dy)                    # warm-up
    bwd = float("inf")
    for _ in range(reps):
        x.grad = w.grad = b.grad = None
        y = apply(case, x, w, b)
        t0 = time.perf_counter()
        y.backward(dy)
        bwd = min(bwd, time.perf_counter() - t0)
    return {"forward_s": fwd, "backward_s": bwd}


def bench(spec):
    # Best of reps, like the C side; backward timed alone (dx, dw, db).
    torch.set_num_threads(spec["threads"])
    for case in spec["bench"]:
        print(json.dumps(bench_one(case, spec["reps"])), flush=True)


def main():
    if len(sys.argv) > 1:
        arg = sys.argv[1]
        text = arg if arg.lstrip().startswith("{") else open(arg).read()
    else:
        text = sys.stdin.read()
    spec = json.loads(text)
    if "bench" in spec:
        bench(spec)
        return
    torch.set_num_threads(1)
    for case in spec["cases"]:
        run_case(case)


if __name__ == "__main__":
    main()
