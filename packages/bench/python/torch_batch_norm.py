"""Times PyTorch's Batch Normalization for the bnkit bench, one request at a time.

Started as `python3 torch_batch_norm.py THREADS`. The first line written to stdout says whether
torch imported: {"ready": true, "torch": VERSION, "threads": N} or {"ready": false, "reason": ...}.
Then every line read from stdin is one JSON request

    {"shape": [...], "layout": "NCHW", "operation": "inference" | "trainForward" | "backward",
     "eps": ..., "momentum": ..., "minTimeMs": ..., "repeats": ..., "slowCallMs": ...,
     "warmUpMs": ...}

answered by one JSON line {"minMs": ..., "medianMs": ..., "maxMs": ..., "samples": [ms per call,
...], "callsPerSample": n, "windowMs": ms} or {"error": "..."}. The timing scheme is the bench's own (see timing.ts): one warm-up call,
more until `warmUpMs` has passed unless the first was slow, then `repeats` samples (at most 3 for a slow call), each the
mean over as many calls as fit in `minTimeMs`. The process waits on stdin while the bench times
other backends, so the two never compete for the cores.
"""

import json
import statistics
import sys
import time


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn.functional as F
except Exception as error:  # any import failure means: no usable torch here
    reply({"ready": False, "reason": "%s: %s" % (type(error).__name__, error)})
    sys.exit(0)


def logical_tensor(shape, layout):
    """A float32 tensor of the bench's shape in PyTorch's logical (N, C, ...) order, laid out in
    memory as the bench's layout: channels_last for NHWC, channels_last_3d for NDHWC, and for NLC
    a channels-innermost strided view (PyTorch has no channels-last format for 3-d tensors)."""
    if layout in ("NC", "NCL", "NCHW", "NCDHW"):
        return torch.rand(shape) * 2 - 0.5
    if layout == "NHWC":
        n, h, w, c = shape
        return (torch.rand(n, c, h, w) * 2 - 0.5).contiguous(memory_format=torch.channels_last)
    if layout == "NDHWC":
        n, d, h, w, c = shape
        return (torch.rand(n, c, d, h, w) * 2 - 0.5).contiguous(memory_format=torch.channels_last_3d)
    if layout == "NLC":
        return (torch.rand(shape) * 2 - 0.5).permute(0, 2, 1)
    raise ValueError("unknown layout %s" % layout)


def time_call(call, min_time_ms, repeats, slow_call_ms, warm_up_ms):
    start = time.perf_counter()
    call()
    first = (time.perf_counter() - start) * 1000
    if first < slow_call_ms:
        while True:
            call()
            if (time.perf_counter() - start) * 1000 >= warm_up_ms:
                break
    else:
        repeats = min(repeats, 3)
    samples, fewest_calls, shortest_window = [], None, None
    for _ in range(repeats):
        calls = 0
        start = time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = (time.perf_counter() - start) * 1000
            if elapsed >= min_time_ms:
                break
        samples.append(elapsed / calls)
        fewest_calls = calls if fewest_calls is None else min(fewest_calls, calls)
        shortest_window = elapsed if shortest_window is None else min(shortest_window, elapsed)
    return {
        "minMs": min(samples),
        "medianMs": statistics.median(samples),
        "maxMs": max(samples),
        "samples": samples,
        "callsPerSample": fewest_calls,
        "windowMs": shortest_window,
    }


def prepared_call(request):
    """The call to time: functional batch_norm as BatchNorm*d runs it, inference without autograd,
    the training forward with autograd recording (as in training), backward as autograd's
    gradient of a retained training forward with respect to x, weight and bias."""
    eps, momentum, operation = request["eps"], request["momentum"], request["operation"]
    x = logical_tensor(request["shape"], request["layout"])
    c = x.shape[1]
    weight = torch.rand(c) * 0.5 + 0.75
    bias = torch.rand(c) * 0.5 - 0.25
    running_mean = torch.rand(c) * 0.5 - 0.25
    running_var = torch.rand(c) * 0.5 + 0.75
    if operation == "inference":
        def call():
            with torch.no_grad():
                return F.batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
        return call
    x.requires_grad_(True)
    weight.requires_grad_(True)
    bias.requires_grad_(True)
    if operation == "trainForward":
        return lambda: F.batch_norm(x, running_mean, running_var, weight, bias, True, momentum, eps)
    if operation == "backward":
        y = F.batch_norm(x, running_mean, running_var, weight, bias, True, momentum, eps)
        dy = torch.rand_like(y) * 2 - 1
        return lambda: torch.autograd.grad(y, (x, weight, bias), dy, retain_graph=True)
    raise ValueError("unknown operation %s" % operation)


def main():
    torch.set_num_threads(int(sys.argv[1]))
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            call = prepared_call(request)
            reply(time_call(call, request["minTimeMs"], request["repeats"], request["slowCallMs"], request["warmUpMs"]))
        except Exception as error:
            reply({"error": "%s: %s" % (type(error).__name__, error)})


main()
