#!/usr/bin/python3
"""tests/engine/nn/torch-ops-reference.py DIR — PyTorch reference values for
the engine/nn kernel tests. Reads DIR/spec.json (cases written by
msc-torch-ref.h) and raw float32 inputs DIR/<id>.<name>.bin; writes forward
outputs and the gradients of sum(y * dy) (or of a scalar loss) as
DIR/<id>.<name>.bin. Exits 77 when torch is missing (the test skips)."""
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C test turns 77 into a skip
    print(f"{e}", file=sys.stderr)
    sys.exit(77)

torch.set_num_threads(1)


def focal(x, t, alpha, gamma):
    # torchvision.ops.sigmoid_focal_loss, reduction='mean'
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return loss.mean()


def dice(x, t, smooth):
    p = torch.sigmoid(x).flatten(1)
    t = t.flatten(1)
    inter = (p * t).sum(1)
    d = 1 - (2 * inter + smooth) / (p.sum(1) + t.sum(1) + smooth)
    return d.mean()


def run_optim(case, inp, out):
    pr = case["params"]
    p = torch.nn.Parameter(inp["p"].float().clone())
    kind = pr["kind"]
    if kind == "sgd":
        opt = torch.optim.SGD([p], lr=pr["lr"], momentum=pr["momentum"], nesterov=pr["nesterov"],
                              weight_decay=pr["weight_decay"])
    elif kind == "adam":
        opt = torch.optim.Adam([p], lr=pr["lr"], betas=(pr["beta1"], pr["beta2"]), eps=pr["eps"],
                               weight_decay=pr["weight_decay"])
    else:
        opt = torch.optim.AdamW([p], lr=pr["lr"], betas=(pr["beta1"], pr["beta2"]), eps=pr["eps"],
                                weight_decay=pr["weight_decay"])
    g = inp["g"].float()
    for s in range(g.shape[0]):
        p.grad = g[s].clone()
        opt.step()
    out["p"] = p.detach()


def run_sched(case, out):
    pr = case["params"]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=pr["base_lr"])
    if pr["kind"] == "step":
        sch = torch.optim.lr_scheduler.StepLR(opt, step_size=pr["step_size"], gamma=pr["gamma"])
    else:
        sch = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=pr["t_max"], eta_min=pr["eta_min"])
    lrs = []
    for _ in range(pr["epochs"]):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sch.step()
    out["lr"] = torch.tensor(lrs, dtype=torch.float64)


def run_clip(case, inp, out):
    p = torch.nn.Parameter(torch.zeros_like(inp["g"]))
    p.grad = inp["g"].clone()
    norm = torch.nn.utils.clip_grad_norm_([p], case["params"]["max_norm"])
    out["g"] = p.grad
    out["norm"] = norm.reshape(1)


def forward(op, pr, v):
    x = v.get("x")
    if op == "relu":
        return F.relu(x)
    if op == "silu":
        return F.silu(x)
    if op == "sigmoid":
        return torch.sigmoid(x)
    if op == "softmax":
        return torch.softmax(x, dim=1)
    if op == "batchnorm_train" or op == "batchnorm_eval":
        return F.batch_norm(x, v["running_mean"], v["running_var"], v["gamma"], v["beta"],
                            training=(op == "batchnorm_train"), momentum=pr["momentum"], eps=pr["eps"])
    if op == "groupnorm":
        return F.group_norm(x, pr["groups"], v["gamma"], v["beta"], pr["eps"])
    if op == "maxpool":
        return F.max_pool2d(x, pr["k"], pr["s"], pr["p"])
    if op == "avgpool":
        return F.avg_pool2d(x, pr["k"], pr["s"], pr["p"], count_include_pad=True)
    if op == "gap":
        return x.mean(dim=(2, 3))
    if op == "resize":
        return F.interpolate(x, size=(pr["out_h"], pr["out_w"]), mode="bilinear", align_corners=False)
    if op == "add":
        return v["a"] + v["b"]
    if op == "mul":
        return v["a"] * v["b"]
    if op == "channel_scale":
        return x * v["s"]
    if op == "concat":
        return torch.cat([v[f"x{i}"] for i in range(pr["k"])], dim=1)
    if op == "dice":
        return dice(x, v["t"], pr["smooth"])
    if op == "bce":
        return F.binary_cross_entropy_with_logits(x, v["t"], weight=v.get("w"),
                                                  pos_weight=torch.tensor(pr["pos_weight"], dtype=x.dtype))
    if op == "ce":
        return F.cross_entropy(x, v["t"].long(), weight=v.get("w"))
    if op == "focal":
        return focal(x, v["t"], pr["alpha"], pr["gamma"])
    raise ValueError(f"unknown op {op}")


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "spec.json")) as f:
        spec = json.load(f)
    for case in spec["cases"]:
        cid, op = case["id"], case["op"]
        inp = {}
        for name, shape in case["inputs"].items():
            a = np.fromfile(os.path.join(d, f"{cid}.{name}.bin"), dtype=np.float32).reshape(shape)
            # float64 makes the reference more exact than either side.
            inp[name] = torch.from_numpy(a.astype(np.float64))
        out = {}
        if op == "optim":
            run_optim(case, inp, out)
        elif op == "sched":
            run_sched(case, out)
        elif op == "clip":
            run_clip(case, inp, out)
        else:
            for name in case["grads"]:
                inp[name].requires_grad_(True)
            y = forward(op, case["params"], inp)
            out["y"] = y.detach()
            if case["grads"]:
                if y.dim() == 0:
                    y.backward()
                else:
                    (y * inp["dy"]).sum().backward()
                for name in case["grads"]:
                    out["d" + name] = inp[name].grad
            if op == "batchnorm_train":
                out["running_mean"] = inp["running_mean"]
                out["running_var"] = inp["running_var"]
        for name, t in out.items():
            t.detach().numpy().astype(np.float32).tofile(os.path.join(d, f"{cid}.{name}.bin"))


if __name__ == "__main__":
    main()
