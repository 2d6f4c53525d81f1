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
import torch.nn.functional as F

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def blas_name():
    """The BLAS library torch.mm uses, from the libraries mapped into this process."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown BLAS"
    if "libopenblas" in maps:
        return "OpenBLAS"
    if "libmkl" in maps:
        return "MKL"
    if "libblis" in maps:
        return "BLIS"
    if "blas/libblas" in maps or "libblas.so" in maps:
        return "reference BLAS (install libopenblas0 for OpenBLAS)"
    return "unknown BLAS"


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


def mlp_epoch(params):
    """One epoch of the MNIST MLP (784-128-10, ReLU, Adam, cross-entropy) on synthetic data."""
    n, batch, hidden = params["images"], params["batch"], params["hidden"]
    x = torch.randn(n, 784)
    y = torch.randint(0, 10, (n,))
    model = torch.nn.Sequential(torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"])

    def epoch():
        with torch.enable_grad():
            for i in range(0, n - batch + 1, batch):
                opt.zero_grad()
                loss = F.cross_entropy(model(x[i:i + batch]), y[i:i + batch])
                loss.backward()
                opt.step()

    return epoch


def conv_step(params):
    """One training step of the small MNIST convnet (conv 32 3x3, pool, conv 64 3x3, pool, dense 10)."""
    batch = params["batch"]
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(1600, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"])

    def step():
        with torch.enable_grad():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

    return step


def prepare(kind, params):
    dtype = getattr(torch, params.get("dtype", "float32"))
    if kind == "mlpEpoch":
        return mlp_epoch(params)
    if kind == "convStep":
        return conv_step(params)
    if kind == "matmul" or kind == "sgemm":
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
            "blas": blas_name(),
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
