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


def zoo(spec_file):
    """The per-layer norms of a model zoo network (bench/zooCertify.mjs writes the layer list):
    (a) torch.linalg.matrix_norm(ord=2) on the FFT blocks of each convolution on its zero-padding
    grid (n + k - 1; stride-1 blocks), a 1x1 convolution's and a dense layer's matrix directly,
    a depthwise convolution's per-channel |FFT| maximum; (b) 20 power iterations through
    conv2d / conv_transpose2d (groups for depthwise) on the layer's real input size. Seconds."""
    import torch.nn.functional as F
    with open(spec_file) as f:
        spec = json.load(f)
    t_fft = 0.0
    t_pi = 0.0
    with torch.no_grad():
        for l in spec:
            if l['kind'] == 'dense':
                w = torch.randn(l['cout'], l['cin'])
                t = time.perf_counter()
                torch.linalg.matrix_norm(w, ord=2)
                t_fft += time.perf_counter() - t
                t = time.perf_counter()
                v = torch.randn(l['cin'])
                for _ in range(20):
                    u = w @ v
                    v = w.t() @ (u / u.norm())
                    v = v / v.norm()
                t_pi += time.perf_counter() - t
                continue
            depthwise = l['kind'] == 'depthwise'
            cin, cout, kh, kw = l['cin'], l['cout'], l['kh'], l['kw']
            w = torch.randn(cout, 1 if depthwise else cin, kh, kw)
            nh, nw = l['h'] + kh - 1, l['w'] + kw - 1
            t = time.perf_counter()
            if kh == 1 and kw == 1 and not depthwise:
                torch.linalg.matrix_norm(w[:, :, 0, 0], ord=2)
            elif depthwise:
                torch.fft.fft2(w[:, 0], s=(nh, nw)).abs().max()
            else:
                blocks = torch.fft.fft2(w, s=(nh, nw)).permute(2, 3, 0, 1)
                torch.linalg.matrix_norm(blocks, ord=2).max()
            t_fft += time.perf_counter() - t
            pad = 'same' if l['padding'] == 'same' else 0
            x = torch.randn(1, cin, l['h'], l['w'])
            groups = cin if depthwise else 1
            t = time.perf_counter()
            stride = l['stride']
            for _ in range(20):
                if stride == 1:
                    y = F.conv2d(x, w, padding=pad, groups=groups)
                    x = F.conv_transpose2d(y, w, padding=(kh // 2, kw // 2) if pad == 'same' else 0, groups=groups)
                else:
                    y = F.conv2d(x, w, stride=stride, groups=groups)
                    x = F.conv_transpose2d(y, w, stride=stride, groups=groups)
                    x = x[:, :, :l['h'], :l['w']]
                    if x.shape[2] < l['h'] or x.shape[3] < l['w']:
                        x = F.pad(x, (0, l['w'] - x.shape[3], 0, l['h'] - x.shape[2]))
                x = x / x.norm()
                x = x[:, :, :l['h'], :l['w']]
            t_pi += time.perf_counter() - t
    return {'fftMatrixNormSeconds': t_fft, 'powerIterationSeconds': t_pi, 'layers': len(spec)}


if __name__ == '__main__':
    which = set(sys.argv[1:])
    if len(sys.argv) > 2 and sys.argv[1] == 'zoo':
        print(json.dumps(zoo(sys.argv[2])))
        sys.exit(0)
    out = {}
    out['powerIteration1024'] = median_ms(power_iteration())
    out['mlpStep'] = median_ms(mlp(False))
    out['gradientPenaltyStep'] = median_ms(mlp(True))
    out['conv2dStep'] = median_ms(conv(), warmup=2, reps=5)
    plain, sn = spectral_norm_overhead()
    out['mlpStepPlain'] = median_ms(plain)
    out['mlpStepSpectralNorm'] = median_ms(sn)
    print(json.dumps(out))
