#!/usr/bin/env python3
# engine/imaging/gen-median-network.py — writes msc-median-network-private.h:
# min/max selection networks for the 3x3 and 5x5 median whose inputs are
# columns already sorted top-to-bottom (msc-filter.c sorts each column once
# per row and shares it between the 2r+1 outputs that use it).
#
# 3x3: Paeth's median of sorted columns: med3 (max of the minima, med3 of
# the middles, min of the maxima), 12 min/max per output.
# 5x5: outputs x and x+1 share columns x+1..x+4, so they are made as a pair:
# MERGE2 merges two neighbouring columns (Batcher's odd-even merge, kept to
# the ranks used later) and is itself shared by two pairs; SELECT merges
# two such results into the four shared columns and picks rank 12 of each
# window with the one remaining column by the merge-path formula
# (rank r of A u B = max over i of min (A[r-i], B[i])).
#
# Every min/max is evaluated on all 0-1 inputs with sorted columns at once
# (one bit per input): a comparator whose order is already known is dropped,
# and the finished networks are checked against the median by the 0-1
# principle before anything is written.
import itertools, sys

D3, D5 = 3, 5

class Net:
    """SSA min/max ops over bitsets: bit k of a value is that wire on 0-1 case k."""
    def __init__(self, n_cols, d):
        self.cases = list(itertools.product(range(d + 1), repeat=n_cols))  # zeros per column
        self.d, self.ops, self.val = d, [], {}
        for c in range(n_cols):
            for e in range(d):
                self.val[f"c{c}_{e}"] = sum(1 << k for k, z in enumerate(self.cases) if e >= z[c])

    def median_of(self, cols):
        half = self.d * self.d // 2
        return sum(1 << k for k, z in enumerate(self.cases) if sum(z[c] for c in cols) <= half)

    def op(self, fn, a, b):
        if a is None:                       # None is +inf (padding)
            return b if fn == "MIN" else None
        if b is None:
            return a if fn == "MIN" else None
        va, vb = self.val[a], self.val[b]
        if va & ~vb == 0:                   # a <= b on every input
            return a if fn == "MIN" else b
        if vb & ~va == 0:
            return b if fn == "MIN" else a
        name = f"t{len(self.ops)}"
        self.ops.append((name, fn, a, b))
        self.val[name] = va & vb if fn == "MIN" else va | vb
        return name

    def live(self, outs):
        live = set(outs)
        for dst, _, a, b in reversed(self.ops):
            if dst in live:
                live.update((a, b))
        return live

def merge(net, a, b):
    """Batcher's odd-even merge of sorted lists a and b, padded with +inf."""
    n = 1
    while n < max(len(a), len(b)):
        n *= 2
    w = a + [None] * (n - len(a)) + b + [None] * (n - len(b))
    def rec(lo, size, step):
        if 2 * step < size:
            rec(lo, size, 2 * step)
            rec(lo + step, size, 2 * step)
            for i in range(lo + step, lo + size - step, 2 * step):
                w[i], w[i + step] = net.op("MIN", w[i], w[i + step]), net.op("MAX", w[i], w[i + step])
        else:
            w[lo], w[lo + step] = net.op("MIN", w[lo], w[lo + step]), net.op("MAX", w[lo], w[lo + step])
    rec(0, 2 * n, 1)
    assert None not in w[:len(a) + len(b)]
    return w[:len(a) + len(b)]

def select(net, a, b, r):
    terms = [net.op("MIN", a[r - i] if r - i < len(a) else None, b[i] if i < len(b) else None)
             for i in range(len(b) + 1) if r - i >= 0]
    m = terms[0]
    for t in terms[1:]:
        m = net.op("MAX", m, t)
    return m

def emit(name, params, ops, rename, outs, comment):
    """A do-while macro; inputs and outputs are function-like macro arguments."""
    lines = [f"/* {comment}: {len(ops)} min/max operations */",
             f"#define {name}(T, {', '.join(params)}) do {{ \\"]
    for dst, fn, a, b in ops:
        lines.append(f"    T {dst} = {fn} ({rename(a)}, {rename(b)}); \\")
    for out in outs:
        lines.append(f"    {out}; \\")
    lines.append("  } while (0)")
    return lines

def input_ref(prefix_of_col):
    def rename(v):
        if v.startswith("c"):
            c, e = v[1:].split("_")
            return f"{prefix_of_col[int(c)]} ({e})"
        return v
    return rename

def ops_for(net, outs, first=0, last=None):
    live = net.live(outs)
    return [op for op in net.ops[first:last] if op[0] in live]

def build3():
    net = Net(3, D3)
    lo = net.op("MAX", net.op("MAX", "c0_0", "c1_0"), "c2_0")
    hi = net.op("MIN", net.op("MIN", "c0_2", "c1_2"), "c2_2")
    def med3(a, b, c):
        return net.op("MAX", net.op("MIN", a, b), net.op("MIN", net.op("MAX", a, b), c))
    out = med3(lo, med3("c0_1", "c1_1", "c2_1"), hi)
    assert net.val[out] == net.median_of([0, 1, 2])
    ops = ops_for(net, [out])
    return emit("MSC_MEDIAN_NET_3", ["C0", "C1", "C2", "out"], ops,
                input_ref(["C0", "C1", "C2"]), [f"out = {out}"],
                "median of 3 sorted columns C0..C2, C (e) = rank e; Paeth")

def build5():
    net = Net(6, D5)
    col = [[f"c{c}_{e}" for e in range(D5)] for c in range(6)]
    n0 = len(net.ops)
    p1 = merge(net, col[1], col[2])
    n1 = len(net.ops)
    p2 = merge(net, col[3], col[4])
    n2 = len(net.ops)
    q = merge(net, p1, p2)
    o0, o1 = select(net, q, col[0], 12), select(net, q, col[5], 12)
    assert net.val[o0] == net.median_of([0, 1, 2, 3, 4])
    assert net.val[o1] == net.median_of([1, 2, 3, 4, 5])
    live = net.live([o0, o1])
    # ranks of a merged pair that either pair position needs: stored in slots
    ranks = sorted({k for k in range(2 * D5) if p1[k] in live or p2[k] in live})
    # both merges have the same shape: the second's ops are the first's, renamed
    m1, m2 = net.ops[n0:n1], net.ops[n1:n2]
    ren = {}
    for (d1, f1, a1, b1), (d2, f2, a2, b2) in zip(m1, m2):
        assert f1 == f2
        ren[d1] = d2
    shift = lambda v: v.replace("c1_", "c3_").replace("c2_", "c4_") if v.startswith("c") else ren[v]
    assert len(m1) == len(m2) and all(shift(a) == a2 and shift(b) == b2
                                      for (_, _, a, b), (_, _, a2, b2) in zip(m1, m2))
    assert [shift(p1[k]) for k in ranks] == [p2[k] for k in ranks]
    need = set()
    for k in ranks:
        need.add(p1[k])
    merge_ops = ops_for(net, list(need), n0, n1)
    merge_lines = emit("MSC_MEDIAN_NET_5_MERGE2", ["A", "B", "P"], merge_ops,
                       input_ref([None, "A", "B"]),
                       [f"P ({s}, {p1[k] if not p1[k].startswith('c') else input_ref([None, 'A', 'B'])(p1[k])})"
                        for s, k in enumerate(ranks)],
                       f"ranks {ranks} (in slots 0..{len(ranks) - 1}) of merged sorted columns A, B")
    slot1 = {p1[k]: f"P1 ({s})" for s, k in enumerate(ranks)}
    slot2 = {p2[k]: f"P2 ({s})" for s, k in enumerate(ranks)}
    def rename_sel(v):
        if v in slot1:
            return slot1[v]
        if v in slot2:
            return slot2[v]
        assert v.startswith("t") or v[1] in "05", v
        return input_ref(["L", None, None, None, None, "R"])(v) if v.startswith("c") else v
    sel_ops = ops_for(net, [o0, o1], n2)
    sel_lines = emit("MSC_MEDIAN_NET_5_SELECT", ["P1", "P2", "L", "R", "OUT0", "OUT1"], sel_ops,
                     rename_sel, [f"OUT0 ({o0})", f"OUT1 ({o1})"],
                     "medians of windows L,P1,P2 and P1,P2,R; P1, P2 from MERGE2, L, R sorted columns")
    check5(merge_ops, ranks, p1, sel_ops, rename_sel, o0, o1)
    return merge_lines + sel_lines, len(ranks)

def check5(merge_ops, ranks, p1, sel_ops, rename_sel, o0, o1):
    """Re-run the two macros as written on every 0-1 input (the 0-1 principle)."""
    net = Net(6, D5)
    def run(ops, env):
        for dst, fn, a, b in ops:
            env[dst] = env[a] & env[b] if fn == "MIN" else env[a] | env[b]
        return env
    def pair(c_a, c_b):
        env = {f"c{c}_{e}": net.val[f"c{c_a if c == 1 else c_b}_{e}"] for c in (1, 2) for e in range(D5)}
        env = run(merge_ops, env)
        return [env[p1[k]] for k in ranks]
    s1, s2 = pair(1, 2), pair(3, 4)
    env = {}
    for s in range(len(ranks)):
        env[f"P1 ({s})"], env[f"P2 ({s})"] = s1[s], s2[s]
    for e in range(D5):
        env[f"L ({e})"], env[f"R ({e})"] = net.val[f"c0_{e}"], net.val[f"c5_{e}"]
    for dst, fn, a, b in sel_ops:
        va, vb = env[rename_sel(a)], env[rename_sel(b)]
        env[dst] = va & vb if fn == "MIN" else va | vb
    assert env[rename_sel(o0)] == net.median_of([0, 1, 2, 3, 4])
    assert env[rename_sel(o1)] == net.median_of([1, 2, 3, 4, 5])

lines = ["/* engine/imaging/msc-median-network-private.h — generated by",
         " * gen-median-network.py (do not edit): median selection networks over",
         " * columns already sorted top to bottom. Inputs and outputs are",
         " * function-like macro arguments (C (e) = rank e of column C, P (slot, v)",
         " * stores v); MIN/MAX come from the includer. */"]
lines += build3()
net5, n_slots = build5()
lines.append(f"#define MSC_MEDIAN_NET_5_N_SLOTS {n_slots}")
lines += net5
sys.stdout.write("\n".join(lines) + "\n")
