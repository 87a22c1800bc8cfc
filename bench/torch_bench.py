"""PyTorch side of `npm run bench`: the same work as bench/run.mjs, timed the same way.

Prints one JSON object {name: median_ms}. Dev tool only; never a runtime dependency.
"""
import json
import sys
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def median_ms(fn, warmup=10, reps=25, trials=3):
    """Smallest of `trials` medians: OpenBLAS's thread pool occasionally runs a whole trial slow."""
    best = float('inf')
    for _ in range(trials):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        best = min(best, times[len(times) // 2])
    return best


def power_iteration():
    w = torch.randn(1024, 1024)
    v = torch.randn(1024)

    def run():
        nonlocal v
        for _ in range(20):
            u = w @ v
            u = u / u.norm()
            v = w.t() @ u
            v = v / v.norm()
        return (w @ v).norm().item()

    return run


def mlp(penalty):
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 256), torch.nn.Tanh(), torch.nn.Linear(256, 256), torch.nn.Tanh(), torch.nn.Linear(256, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(512, 2)
    y = torch.randn(512, 1)

    def run():
        opt.zero_grad()
        xx = x.clone().requires_grad_(penalty)
        out = model(xx)
        loss = ((out - y) ** 2).mean()
        if penalty:
            g, = torch.autograd.grad(out.sum(), xx, create_graph=True)
            loss = loss + ((g.norm(dim=1) - 1) ** 2).mean()
        loss.backward()
        opt.step()

    return run


def conv():
    model = torch.nn.Conv2d(32, 32, 3, padding=1)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(64, 32, 32, 32)

    def run():
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()

    return run


def spectral_norm_overhead():
    def make(sn):
        lin = [torch.nn.Linear(2, 256), torch.nn.Linear(256, 256), torch.nn.Linear(256, 1)]
        if sn:
            lin = [torch.nn.utils.spectral_norm(l) for l in lin]
        return torch.nn.Sequential(lin[0], torch.nn.Tanh(), lin[1], torch.nn.Tanh(), lin[2])

    def run_for(model):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(512, 2)
        y = torch.randn(512, 1)

        def run():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()

        return run

    return run_for(make(False)), run_for(make(True))


if __name__ == '__main__':
    which = set(sys.argv[1:])
    out = {}
    out['powerIteration1024'] = median_ms(power_iteration())
    out['mlpStep'] = median_ms(mlp(False))
    out['gradientPenaltyStep'] = median_ms(mlp(True))
    out['conv2dStep'] = median_ms(conv(), warmup=2, reps=5)
    plain, sn = spectral_norm_overhead()
    out['mlpStepPlain'] = median_ms(plain)
    out['mlpStepSpectralNorm'] = median_ms(sn)
    print(json.dumps(out))
