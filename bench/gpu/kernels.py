#!/usr/bin/env python3
"""Kernel micro-benchmarks for calibrating llmecon's kernel model on the GPU at hand.

Measures, with CUDA events (mean of back-to-back calls after warm-up), on the current GPU:
  - GEMMs C[m,n] = A[m,k] @ B[k,n] in BF16 (torch.matmul, cuBLAS) and FP8 e4m3 (torch._scaled_mm,
    per-tensor scales, BF16 output) over training shapes;
  - decode-shaped GEMMs (1..1024 tokens against a BF16 weight);
  - HBM device-to-device copies of several sizes (memory-bound kernels);
  - causal SDPA (flash) attention forward and backward; decode attention (one query per sequence).
and writes a kernel measurement file in llmecon's catalog format (catalog/kernels/, schema
`kernelMeasurementFileSchema` in src/catalog/efficiency-schema.ts). Fit the model's parameters with
  npx tsx scripts/fit-kernels.ts FILE --gpu ID > my-efficiency.json
and use them with `--efficiency FILE` on any llmecon command.

Usage:
  python bench/gpu/kernels.py --gpu h200 --out catalog/kernels/h200-$(date +%F).json
  python bench/gpu/kernels.py --from-reference h200-kernels.json --gpu h200 --source ID --out FILE
The second form converts a results file in the same column layout as this script's raw output
(the shared H200 reference measurements) with the same converter, so both paths write one format.
"""
import argparse
import datetime
import json
import sys

GEMM_SHAPES = [
    (16384, 8192, 8192), (8192, 28672, 8192), (8192, 8192, 28672), (4096, 4096, 4096),
    (4096, 14336, 4096), (4096, 4096, 14336), (2048, 6144, 4096), (4096, 1024, 4096),
    (1024, 1024, 1024), (2048, 2048, 2048), (8192, 3584, 8192), (16384, 1280, 8192),
    (512, 4096, 4096), (4096, 128256, 4096), (32768, 8192, 1024),
]
DECODE_WEIGHTS = [(8192, 8192), (28672, 8192), (4096, 4096)]  # (n, k)
DECODE_TOKENS = [1, 8, 32, 64, 128, 256, 512, 1024]
COPY_BYTES = [2**20, 8 * 2**20, 32 * 2**20, 128 * 2**20, 512 * 2**20, 2 * 2**30]
ATTENTION = [(4, 32, 2048, 128), (2, 32, 4096, 128), (1, 32, 8192, 128), (1, 64, 4096, 128)]
DECODE_ATTENTION = [(1, 8, 4096), (32, 8, 4096), (64, 8, 2048), (128, 8, 1024)]  # batch, kv heads, context
HEAD_DIM = 128
GQA_GROUP = 4


def to_catalog(raw, gpu, source, measured, method, software, caveats):
    """Raw results (the reference column layout) -> llmecon kernel measurement file (one format)."""
    gemm = []
    for r in raw.get("gemm", []):
        flops = 2 * r["m"] * r["n"] * r["k"]
        for datatype, column, input_bytes in (("bf16", "bf16_tflops", 2), ("fp8", "fp8_tflops", 1)):
            if r.get(column):
                gemm.append({"m": r["m"], "n": r["n"], "k": r["k"], "datatype": datatype,
                             "inputBytes": input_bytes, "seconds": flops / (r[column] * 1e12)})
    for r in raw.get("decode_shaped_gemm", []):
        gemm.append({"m": r["m"], "n": r["n"], "k": r["k"], "datatype": "bf16", "inputBytes": 2,
                     "seconds": r["seconds"]})
    memory = [{"bytes": r["bytes"], "seconds": r["seconds"]} for r in raw.get("copy", [])]
    attention = []
    for r in raw.get("attention_sdpa_causal", []):
        # Causal forward FLOPs 4·b·h·s²·d / 2 (FlashAttention-2 paper, Sec. 4.1); backward 2.5x.
        flops = 4 * r["b"] * r["h"] * r["s"] * r["s"] * r["d"] / 2
        common = {"batch": r["b"], "heads": r["h"], "seqLen": r["s"], "headDim": r["d"], "causal": True,
                  "implementation": "sdpa-flash"}
        attention.append({**common, "pass": "forward", "seconds": flops / (r["fwd_tflops"] * 1e12)})
        attention.append({**common, "pass": "backward", "seconds": 2.5 * flops / (r["bwd_tflops"] * 1e12)})
    decode_attention = [
        {"batch": r["batch"], "kvHeads": r["kv_heads"], "queryHeads": r["kv_heads"] * GQA_GROUP,
         "context": r["ctx"], "headDim": HEAD_DIM, "seconds": r["seconds"]}
        for r in raw.get("decode_attention_sdpa", [])
    ]
    return {
        "id": f"{gpu}-{measured}",
        "gpu": gpu,
        "measured": measured,
        "source": source,
        "kind": "measured",
        "method": method,
        "software": software,
        "caveats": caveats,
        "gemm": gemm,
        "memory": memory,
        "attention": attention,
        "decodeAttention": decode_attention,
    }


def measure():  # pragma: no cover - needs a GPU
    import torch
    import torch.nn.functional as F

    dev = torch.device("cuda")

    def timed(fn, iters, warmup=5):
        for _ in range(warmup):
            fn()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3 / iters

    raw = {"gemm": [], "decode_shaped_gemm": [], "copy": [], "attention_sdpa_causal": [],
           "decode_attention_sdpa": []}
    fp8 = hasattr(torch, "float8_e4m3fn") and torch.cuda.get_device_capability() >= (8, 9)
    for m, n, k in GEMM_SHAPES:
        a = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
        b = torch.randn(k, n, device=dev, dtype=torch.bfloat16)
        flops = 2 * m * n * k
        row = {"m": m, "n": n, "k": k, "bf16_tflops": flops / timed(lambda: a @ b, 20) / 1e12}
        if fp8:
            a8 = a.to(torch.float8_e4m3fn)
            b8 = b.t().contiguous().to(torch.float8_e4m3fn).t()  # column-major B, as cuBLASLt needs
            one = torch.tensor(1.0, device=dev)
            row["fp8_tflops"] = flops / timed(
                lambda: torch._scaled_mm(a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16), 20) / 1e12
        raw["gemm"].append(row)
        del a, b
    for n, k in DECODE_WEIGHTS:
        w = torch.randn(k, n, device=dev, dtype=torch.bfloat16)
        for m in DECODE_TOKENS:
            x = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
            raw["decode_shaped_gemm"].append({"m": m, "n": n, "k": k, "seconds": timed(lambda: x @ w, 50)})
    for size in COPY_BYTES:
        src = torch.empty(size // 2, device=dev, dtype=torch.bfloat16)
        dst = torch.empty_like(src)
        # A copy reads and writes `size` bytes each.
        raw["copy"].append({"bytes": 2 * size, "seconds": timed(lambda: dst.copy_(src), 50)})
    for b, h, s, d in ATTENTION:
        q, kk, v = (torch.randn(b, h, s, d, device=dev, dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
        flops = 4 * b * h * s * s * d / 2
        fwd = timed(lambda: F.scaled_dot_product_attention(q, kk, v, is_causal=True), 10, 3)
        grad = torch.randn(b, h, s, d, device=dev, dtype=torch.bfloat16)
        both = timed(lambda: F.scaled_dot_product_attention(q, kk, v, is_causal=True).backward(grad), 10, 3)
        raw["attention_sdpa_causal"].append({"b": b, "h": h, "s": s, "d": d, "fwd_tflops": flops / fwd / 1e12,
                                             "bwd_tflops": 2.5 * flops / (both - fwd) / 1e12})
    for batch, kvh, ctx in DECODE_ATTENTION:
        q = torch.randn(batch, kvh * GQA_GROUP, 1, HEAD_DIM, device=dev, dtype=torch.bfloat16)
        kk = torch.randn(batch, kvh, ctx, HEAD_DIM, device=dev, dtype=torch.bfloat16)
        v = torch.randn_like(kk)
        raw["decode_attention_sdpa"].append({"batch": batch, "kv_heads": kvh, "ctx": ctx, "seconds": timed(
            lambda: F.scaled_dot_product_attention(q, kk, v, enable_gqa=True), 50)})
    props = torch.cuda.get_device_properties(0)
    software = f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}), {props.name}, {props.multi_processor_count} SMs"
    return raw, software


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gpu", required=True, help="llmecon GPU id the file describes (e.g. h200)")
    p.add_argument("--out", help="output file (default: stdout)")
    p.add_argument("--source", default=None, help="source id in catalog/sources.json (default: <gpu>-kernels-<date>)")
    p.add_argument("--from-reference", metavar="FILE", help="convert an existing results file instead of measuring")
    p.add_argument("--measured", default=None, help="measurement date YYYY-MM-DD (default: today, or the reference's)")
    args = p.parse_args(argv)
    if args.from_reference:
        with open(args.from_reference) as f:
            raw = json.load(f)
        meta = raw.get("meta", {})
        measured = args.measured or datetime.date.today().isoformat()
        method, software, caveats = meta.get("method", ""), meta.get("software", ""), meta.get("caveats", "")
    else:
        raw, software = measure()
        measured = args.measured or datetime.date.today().isoformat()
        method = ("CUDA-event timing: mean of 20 (GEMM), 50 (decode GEMM, copy, decode attention) or 10 "
                  "(attention) back-to-back calls after 3-5 warm-up calls; random normal inputs; one run per shape")
        caveats = "one GPU, one run per shape; cuBLAS heuristics, not hand-tuned kernels"
    source = args.source or f"{args.gpu}-kernels-{measured}"
    out = to_catalog(raw, args.gpu, source, measured, method, software, caveats)
    text = json.dumps(out, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
