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


# --- constraint overheads (issue 12; bench/constraintsBench.mjs is the lipkit side) ---------------
CONSTRAINT_MODELS = {
    # name: (dims, batch, activation, loss)
    'mlp': ([2, 256, 256, 1], 512, 'tanh', 'mse'),
    'mnist': ([784, 256, 256, 10], 128, 'relu', 'ce'),
}
HARD_CAP_STEPS = [(0.805032, 0.206361, -0.019763), (0.649867, 0.162935, -0.01115),
                  (1.810259, -0.200265, 0.008251), (1.004384, -0.18349, 0.014413)]


def soft_cap_alpha(kappa):
    """alpha with s (1 - a s^2)(1 + a s^2 (1 - a s^2)^2) = 1 at s = kappa (bisection; lipkit's softCapAlpha)."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        t = (lo + hi) / 2
        if 1 - 3 * t * t + 3 * t ** 3 - t ** 4 > 1 / kappa:
            lo = t
        else:
            hi = t
    return (lo + hi) / 2 / (kappa * kappa)


def odd_poly(x, steps):
    """The reference's odd matrix polynomial steps X (a I + b A + c A^2), Gram on the smaller side."""
    wide = x.shape[0] > x.shape[1]
    m = x.t() if wide else x
    for a, b, c in steps:
        g = m @ m.t()
        bgx = g @ m
        nxt = a * m + b * bgx
        if c != 0:
            nxt = nxt + c * (g @ bgx)
        m = nxt
    return m.t() if wide else m


class PowerState:
    """One warm-started power vector per weight (PyTorch's spectral_norm protocol, 1 step per call)."""

    def __init__(self):
        self.v = {}

    def sigma(self, w, key, steps=1):
        v = self.v.get(key)
        if v is None:
            v = torch.nn.functional.normalize(torch.randn(w.shape[1]), dim=0)
            steps = 15
        for _ in range(steps):
            u = torch.nn.functional.normalize(w @ v, dim=0, eps=1e-12)
            v = torch.nn.functional.normalize(w.t() @ u, dim=0, eps=1e-12)
        self.v[key] = v
        u = torch.nn.functional.normalize(w @ v, dim=0, eps=1e-12)
        return float(u @ (w @ v)), u, v


def hand_constraint(kind, cap=1.0):
    """The constraint a PyTorch user writes by hand after opt.step() (no torch built-in): the papers'
    algorithms with one warm-started power step where they need sigma (Gouk et al.'s projection,
    Miyato et al.'s normalization as a hard constraint, Newhouse et al.'s reference hard cap, soft cap
    and hammer with its 16 power steps). Acts on the [out, in] weight."""
    state = PowerState()
    alpha = soft_cap_alpha(1.1)

    def apply(i, w):
        if kind == 'normalize':
            s, _, _ = state.sigma(w, i)
            w.mul_(cap / s)
        elif kind == 'projection':
            s, _, _ = state.sigma(w, i)
            if s > cap:
                w.mul_(cap / s)
        elif kind == 'hardCap':
            x = w / cap
            small = x.t() if x.shape[0] > x.shape[1] else x
            g = small @ small.t()
            bound = float((g @ g).norm()) ** 0.25
            if bound > 3.6:
                x = x * (3.6 / bound)
            w.copy_(odd_poly(x, HARD_CAP_STEPS) * cap)
        elif kind == 'softCap':
            w.copy_(odd_poly(w / cap, [(1, -alpha, 0), (1, alpha, 0)]) * cap)
        elif kind == 'hammer':
            s, u, v = state.sigma(w, i, 16)
            w.add_(torch.outer(u, v), alpha=cap - s)
        else:
            raise ValueError(kind)

    return apply


def constraint_step(model_name, variant):
    """One Adam training step of the named model, plain or with a constraint/spectral_norm variant."""
    dims, batch, act, loss_kind = CONSTRAINT_MODELS[model_name]
    torch.manual_seed(1)
    lins = [torch.nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    if variant == 'spectralNorm':
        lins = [torch.nn.utils.spectral_norm(l) for l in lins]
    layers = []
    for i, l in enumerate(lins):
        layers.append(l)
        if i < len(lins) - 1:
            layers.append(torch.nn.Tanh() if act == 'tanh' else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, dims[0])
    y = torch.randn(batch, 1) if loss_kind == 'mse' else torch.randint(0, dims[-1], (batch,))
    constrain = None if variant in ('plain', 'spectralNorm') else hand_constraint(variant)

    def run():
        opt.zero_grad()
        out = model(x)
        loss = ((out - y) ** 2).mean() if loss_kind == 'mse' else torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        opt.step()
        if constrain is not None:
            with torch.no_grad():
                for i, l in enumerate(lins):
                    constrain(i, l.weight)

    return run


def cpu_ms(fn, warmup=5, steps=40, trials=2):
    """CPU milliseconds per call (process time, all threads): the honest number on a shared machine.
    Smallest of `trials` runs; also the smallest wall median."""
    best_cpu, best_wall = float('inf'), float('inf')
    for _ in range(trials):
        for _ in range(warmup):
            fn()
        walls = []
        c0 = time.process_time()
        for _ in range(steps):
            t = time.perf_counter()
            fn()
            walls.append((time.perf_counter() - t) * 1000)
        best_cpu = min(best_cpu, (time.process_time() - c0) * 1000 / steps)
        walls.sort()
        best_wall = min(best_wall, walls[len(walls) // 2])
    return {'cpuMs': best_cpu, 'wallMs': best_wall}


def constraints(models):
    """{model: {variant: {cpuMs, wallMs}}} for the plain step, spectral_norm and the hand-written constraints.
    One thread: lipkit's wasm backend runs single-threaded in Node, and CPU time is then comparable."""
    torch.set_num_threads(1)
    out = {}
    for m in models:
        out[m] = {v: cpu_ms(constraint_step(m, v)) for v in
                  ['plain', 'spectralNorm', 'normalize', 'projection', 'softCap', 'hardCap', 'hammer']}
    return out


if __name__ == '__main__':
    which = set(sys.argv[1:])
    if len(sys.argv) > 2 and sys.argv[1] == 'zoo':
        print(json.dumps(zoo(sys.argv[2])))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == 'constraints':
        print(json.dumps(constraints(sys.argv[2].split(',') if len(sys.argv) > 2 else list(CONSTRAINT_MODELS))))
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
