#!/usr/bin/env python3
"""tools/make-presets.py — generates the preset model graphs in
data/models/presets/ (mammoscope-graph JSON, see engine/models/msc-graph.h).

Deterministic: the same options always give the same bytes, so the files
are committed and regenerated rather than edited by hand.

    tools/make-presets.py [--out DIR] [--base-channels 16] [--in-channels 1]
"""
import argparse
import json
import os
import sys


class Graph:
    """Collects nodes; every helper returns the name of its output."""

    def __init__(self, name, description, in_channels):
        self.name = name
        self.description = description
        self.inputs = [{"name": "image", "shape": [None, in_channels, None, None]}]
        self.nodes = []
        self.outputs = []

    def op(self, name, op, inputs, **params):
        node = {"name": name, "op": op, "inputs": list(inputs)}
        if params:
            node["params"] = params
        self.nodes.append(node)
        return name

    def conv(self, name, x, out, kernel=3, stride=1, dilation=1, groups=1, bias=False):
        return self.op(name, "conv2d", [x], out_channels=out, kernel=kernel, stride=stride,
                       padding=dilation * (kernel - 1) // 2, dilation=dilation, groups=groups,
                       bias=bias)

    def conv_bn_act(self, prefix, x, out, act="relu", **kw):
        x = self.conv(prefix + ".conv", x, out, **kw)
        x = self.op(prefix + ".bn", "batch_norm", [x], eps=1e-5, momentum=0.1)
        return self.op(prefix + "." + act, act, [x]) if act else x

    def double_conv(self, prefix, x, out, dilation=1):
        x = self.conv_bn_act(prefix + ".1", x, out, dilation=dilation)
        return self.conv_bn_act(prefix + ".2", x, out, dilation=dilation)

    def to_json(self):
        # One node per line: readable diffs when a preset changes.
        head = {"format": "mammoscope-graph", "version": 1, "name": self.name,
                "description": self.description, "inputs": self.inputs,
                "outputs": self.outputs}
        lines = ["{"]
        for key, value in head.items():
            lines.append("  %s: %s," % (json.dumps(key), json.dumps(value)))
        lines.append('  "nodes": [')
        for i, node in enumerate(self.nodes):
            comma = "," if i + 1 < len(self.nodes) else ""
            lines.append("    " + json.dumps(node) + comma)
        lines.append("  ]")
        lines.append("}")
        return "\n".join(lines) + "\n"


def unet_decoder(g, x, skips, channels, prefix="dec"):
    """Transposed-conv up, concat skip, double conv, from deep to shallow."""
    for level in reversed(range(len(skips))):
        up = g.op("%s%d.up" % (prefix, level + 1), "conv_transpose2d", [x],
                  out_channels=channels[level], kernel=2, stride=2, bias=True)
        cat = g.op("%s%d.cat" % (prefix, level + 1), "concat", [up, skips[level]], axis=1)
        x = g.double_conv("%s%d" % (prefix, level + 1), cat, channels[level])
    return x


def unet(args, name, hierarchical=False, base=None):
    base = base or args.base_channels
    kind = "hierarchical abnormal/malignant" if hierarchical else "3-class"
    g = Graph(name, "U-Net, base %d channels, depth 4, conv-bn-relu x2 per level, "
              "%s image head on the bottleneck" % (base, kind), args.in_channels)
    channels = [base << i for i in range(4)]
    x, skips = "image", []
    for level, ch in enumerate(channels, start=1):
        x = g.double_conv("enc%d" % level, x, ch)
        skips.append(x)
        x = g.op("pool%d" % level, "max_pool", [x], kernel=2, stride=2)
    bottleneck = g.double_conv("bottleneck", x, channels[-1] * 2)
    x = unet_decoder(g, bottleneck, skips, channels)
    g.op("mask_logits", "conv2d", [x], out_channels=1, kernel=1, bias=True)
    pooled = g.op("head.pool", "global_avg_pool", [bottleneck])
    pooled = g.op("head.dropout", "dropout", [pooled], p=0.2)
    if hierarchical:
        # normal -> abnormal, then benign -> malignant given abnormal.
        g.op("abnormal_logit", "dense", [pooled], out_features=1)
        g.op("malignant_logit", "dense", [pooled], out_features=1)
        g.outputs = ["mask_logits", "abnormal_logit", "malignant_logit"]
    else:
        g.op("class_logits", "dense", [pooled], out_features=3)
        g.outputs = ["mask_logits", "class_logits"]
    return g


# EfficientNet-B0 stages: expand ratio, kernel, stride, output channels, repeats.
B0_STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
             (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]


def mbconv(g, prefix, x, cin, cout, expand, kernel, stride):
    h = x
    mid = cin * expand
    if expand != 1:
        h = g.conv_bn_act(prefix + ".expand", h, mid, act="silu", kernel=1)
    h = g.conv_bn_act(prefix + ".dw", h, mid, act="silu", kernel=kernel, stride=stride, groups=mid)
    # Squeeze-excitation: channel weights from pooled features, 1/4 of the block input.
    s = g.op(prefix + ".se.pool", "global_avg_pool", [h])
    s = g.conv(prefix + ".se.reduce", s, max(1, cin // 4), kernel=1, bias=True)
    s = g.op(prefix + ".se.silu", "silu", [s])
    s = g.conv(prefix + ".se.expand", s, mid, kernel=1, bias=True)
    s = g.op(prefix + ".se.sigmoid", "sigmoid", [s])
    h = g.op(prefix + ".se.scale", "mul", [h, s])
    h = g.conv_bn_act(prefix + ".project", h, cout, act=None, kernel=1)
    if stride == 1 and cin == cout:
        h = g.op(prefix + ".residual", "add", [h, x])
    return h


def efficientnet_unet(args):
    g = Graph("efficientnet-b0-unet", "EfficientNet-B0-style MBConv+SE encoder with a U-Net "
              "decoder and a 3-class image head", args.in_channels)
    x = g.conv_bn_act("stem", "image", 32, act="silu", stride=2)
    cin, skips, block = 32, [], 0
    for stage, (expand, kernel, stride, cout, repeats) in enumerate(B0_STAGES, start=1):
        for r in range(repeats):
            s = stride if r == 0 else 1
            if s == 2:
                skips.append((x, cin))   # features at the resolution before each downsampling
            x = mbconv(g, "stage%d.%d" % (stage, r), x, cin, cout, expand, kernel, s)
            cin = cout
            block += 1
    top = g.conv_bn_act("top", x, 1280 * args.base_channels // 16, act="silu", kernel=1)
    # Stride-2 .. stride-16 skips; the decoder climbs back to stride 2.
    dec_channels = [max(8, c // 2) for _, c in skips]
    x = unet_decoder(g, top, [s for s, _ in skips], dec_channels)
    x = g.op("mask_logits.half", "conv2d", [x], out_channels=1, kernel=1, bias=True)
    g.op("mask_logits", "resize_bilinear", [x, "image"], align_corners=False)
    pooled = g.op("head.pool", "global_avg_pool", [top])
    pooled = g.op("head.dropout", "dropout", [pooled], p=0.2)
    g.op("class_logits", "dense", [pooled], out_features=3)
    g.outputs = ["mask_logits", "class_logits"]
    return g


def dilated_fcn(args):
    c = args.base_channels
    g = Graph("dilated-fcn", "Dilated fully convolutional network for dense prediction: "
              "stride 4, then growing dilation instead of pooling", args.in_channels)
    x = g.conv_bn_act("stem.1", "image", c * 2, stride=2)
    x = g.conv_bn_act("stem.2", x, c * 4, stride=2)
    for i, d in enumerate([1, 2, 4, 8, 16, 1], start=1):
        x = g.double_conv("block%d" % i, x, c * 4, dilation=d)
    x = g.op("mask_logits.quarter", "conv2d", [x], out_channels=1, kernel=1, bias=True)
    g.op("mask_logits", "resize_bilinear", [x], scale=4.0, align_corners=False)
    g.outputs = ["mask_logits"]
    return g


def patch_classifier(args):
    c = args.base_channels * 2
    g = Graph("patch-classifier-fcn", "VGG-style patch classifier written all-convolutionally: "
              "trained on 224-pixel patches, it gives a map of patch logits on a whole image",
              args.in_channels)
    x = "image"
    for i, ch in enumerate([c, c * 2, c * 4, c * 8, c * 8], start=1):
        x = g.double_conv("block%d" % i, x, ch)
        x = g.op("pool%d" % i, "max_pool", [x], kernel=2, stride=2)
    # The classic fc6/fc7/fc8 as convolutions: a 7x7 window of the stride-32 map.
    x = g.op("fc6", "conv2d", [x], out_channels=c * 16, kernel=7, bias=True)
    x = g.op("fc6.relu", "relu", [x])
    x = g.op("fc6.dropout", "dropout", [x], p=0.5)
    x = g.op("fc7", "conv2d", [x], out_channels=c * 16, kernel=1, bias=True)
    x = g.op("fc7.relu", "relu", [x])
    x = g.op("fc7.dropout", "dropout", [x], p=0.5)
    g.op("patch_logits", "conv2d", [x], out_channels=3, kernel=1, bias=True)
    g.op("class_logits", "global_avg_pool", ["patch_logits"])
    g.outputs = ["patch_logits", "class_logits"]
    return g


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(here, "..", "data", "models", "presets"))
    p.add_argument("--base-channels", type=int, default=16)
    p.add_argument("--in-channels", type=int, default=1)
    args = p.parse_args()
    if args.base_channels < 1 or args.in_channels < 1:
        sys.exit("channels must be >= 1")
    os.makedirs(args.out, exist_ok=True)
    # unet-tiny: half the channels, a quarter of the work; what the default
    # model uses, so cross-validation and ablations fit on two cores.
    tiny = max(1, args.base_channels // 2)
    graphs = [unet(args, "unet-small"), unet(args, "unet-small-hierarchical", hierarchical=True),
              unet(args, "unet-tiny", base=tiny),
              unet(args, "unet-tiny-hierarchical", hierarchical=True, base=tiny),
              efficientnet_unet(args), dilated_fcn(args), patch_classifier(args)]
    for g in graphs:
        with open(os.path.join(args.out, g.name + ".json"), "w") as f:
            f.write(g.to_json())
        print("%s: %d nodes" % (g.name, len(g.nodes)))


if __name__ == "__main__":
    main()
