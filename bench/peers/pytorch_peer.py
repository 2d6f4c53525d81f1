"""PyTorch peer for bench: a line-oriented JSON protocol on stdin/stdout.

Started by pytorch.mjs. Prints one ready line, then for each request line
{"kind": ..., "params": {...}, "plan": {...}} prints one reply line with
{"samples": [seconds per op, ...]} or {"unsupported": true} or {"error": "..."}.
The timing plan mirrors bench/timing.mjs.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def measure(fn, plan):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    slow = first > plan["slowCallSeconds"]
    calls = 1
    w0 = time.perf_counter()
    while not slow and (calls < 2 or time.perf_counter() - w0 < plan["warmupSeconds"]):
        fn()
        calls += 1
    per_call = first if slow else (time.perf_counter() - w0) / max(1, calls - 1)
    calls_per_sample = max(1, round(plan["sampleSeconds"] / max(per_call, 1e-9)))
    min_samples = plan["slowMinSamples"] if slow else plan["minSamples"]
    samples = []
    s0 = time.perf_counter()
    while len(samples) < min_samples or (
        len(samples) < plan["maxSamples"] and time.perf_counter() - s0 < plan["budgetSeconds"]
    ):
        t = time.perf_counter()
        for _ in range(calls_per_sample):
            fn()
        samples.append((time.perf_counter() - t) / calls_per_sample)
    return samples


def prepare(kind, params):
    dtype = getattr(torch, params.get("dtype", "float32"))
    if kind == "matmul":
        n = params["n"]
        a = torch.randn(n, n, dtype=dtype)
        b = torch.randn(n, n, dtype=dtype)
        return lambda: torch.matmul(a, b)
    if kind == "addDispatch":
        size = params["size"]
        a = torch.randn(size, dtype=dtype)
        b = torch.randn(size, dtype=dtype)
        return lambda: a.add(b)  # the result is freed when dropped, like dispose()
    return None


def main():
    with torch.no_grad():
        reply({
            "ready": True,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "threads": torch.get_num_threads(),
        })
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                req = json.loads(line)
                fn = prepare(req["kind"], req["params"])
                if fn is None:
                    reply({"unsupported": True})
                else:
                    reply({"samples": measure(fn, req["plan"])})
            except Exception as e:  # report, keep serving
                reply({"error": f"{type(e).__name__}: {e}"})


main()
