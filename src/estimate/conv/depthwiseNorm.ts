import { convGeometryOf, type ConvGeometry } from './convGeometry.js';
import type { ConvNormBound } from './convNormBound.js';
import { frequencyCount, isRepresentative, spectrumPlan } from './convSpectrum.js';
import { convGramScan } from './convGramScan.js';

const U = 2 ** -53;

/**
 * The depth multiplier m when the kernel `[.., cin, cin * m]` only connects input channel c to
 * output channels c m .. c m + m - 1 (a depthwise convolution, possibly merged with batch norms),
 * else null. A kernel with cin = 1 is not reported (it is an ordinary convolution).
 */
export function depthwiseMultiplier(g: ConvGeometry): number | null {
  const { cin, cout, kernel } = g;
  if (cin < 2 || cout % cin !== 0) return null;
  const m = cout / cin;
  const block = cin * cout;
  for (let t = 0; t < kernel.length; t += block) {
    for (let c = 0; c < cin; c++) {
      const row = t + c * cout;
      for (let o = 0; o < cout; o++) {
        if (kernel[row + o] !== 0 && Math.floor(o / m) !== c) return null;
      }
    }
  }
  return m;
}

/**
 * Norm of a depthwise convolution: channel c only feeds its own m outputs, so the operator is
 * block-diagonal over channels and its norm is max_c ||conv_c|| (each a 1 -> m convolution).
 * For m = 1 each channel is a scalar (strided) convolution: on the circular grid of the DFT route
 * (`spectrumPlan`: the same grid, polyphase split and zero-padding embedding as `convSpectralNorm`)
 * its norm is max_w sqrt(sum_r |K_hat_{c,r}(w)|^2) over the polyphase classes r (the 1 x s block of
 * Sedghi et al. 2019); zero padding embeds in that grid, so the value is an upper bound, and it is
 * exact for circular padding with sizes divisible by the strides. One pass over the
 * representatives of conjugate pairs of frequencies serves all channels (the phases are shared).
 * Rounding: each |K_hat|^2 gets the guard (2 taps + s + 20) u (sum_t |K_{t,c}|)^2 and the square
 * root (1 + 4u), as the DFT route does. CERTIFIED. For m > 1 each channel goes through
 * `convGramScan` (a m x s block per frequency).
 */
export function depthwiseNorm(g: ConvGeometry, multiplier: number, relativeSlack = 1e-3): ConvNormBound {
  if (multiplier > 1) return perChannelScan(g, multiplier, relativeSlack);
  const plan = spectrumPlan({ ...g, kernel: tapMask(g), cin: 1, cout: 1 });
  const [ph, pw] = plan.axes;
  const { cin, kernel } = g;
  const kw = g.axes[1].k;
  const kh = g.axes[0].k;
  const S = plan.S;
  const taps = plan.taps.map(({ th, tw }) => ({ th, tw, r: ph.r[th] * pw.s + pw.r[tw], k: (th * kw + tw) * cin * cin }));
  // Per channel: tap list offsets are diagonal entries (t, c, c) of the full kernel.
  const absSum = new Float64Array(cin);
  for (const t of taps) for (let c = 0; c < cin; c++) absSum[c] += Math.abs(kernel[t.k + c * cin + c]);
  const best = new Float64Array(cin);
  const are = new Float64Array(S * cin);
  const aim = new Float64Array(S * cin);
  const total = frequencyCount(plan);
  let reps = 0;
  for (let f = 0; f < total; f++) {
    if (!isRepresentative(plan, f)) continue;
    reps++;
    const a = Math.floor(f / pw.M);
    const b = f - a * pw.M;
    are.fill(0);
    aim.fill(0);
    for (const t of taps) {
      const ca = ph.cos[a * kh + t.th], sa = ph.sin[a * kh + t.th];
      const cb = pw.cos[b * kw + t.tw], sb = pw.sin[b * kw + t.tw];
      const zr = ca * cb - sa * sb;
      const zi = ca * sb + sa * cb;
      const o = t.r * cin;
      for (let c = 0; c < cin; c++) {
        const v = kernel[t.k + c * cin + c];
        are[o + c] += zr * v;
        aim[o + c] += zi * v;
      }
    }
    for (let c = 0; c < cin; c++) {
      let s2 = 0;
      for (let r = 0; r < S; r++) s2 += are[r * cin + c] ** 2 + aim[r * cin + c] ** 2;
      if (s2 > best[c]) best[c] = s2;
    }
  }
  let upperBound = 0;
  let estimate = 0;
  for (let c = 0; c < cin; c++) {
    const guard = (2 * taps.length + S + 20) * U * absSum[c] * absSum[c];
    upperBound = Math.max(upperBound, Math.sqrt(best[c] * (1 + 1e-12) + guard) * (1 + 4 * U));
    estimate = Math.max(estimate, Math.sqrt(best[c]));
  }
  const grid = `${ph.N}x${pw.N}`;
  return {
    upperBound,
    estimate,
    exact: plan.exact ? estimate : null,
    method: `depthwise: max over ${cin} channels of the scalar DFT maximum on the ${grid} circular grid (${plan.exact ? 'exact circulant' : 'zero padding embedded'}${S > 1 ? `, ${S} polyphase components` : ''}; ${reps} of ${total} frequencies by conjugate symmetry)`,
  };
}

/** A kernel with one channel whose taps are nonzero where any channel's tap is (for the plan's tap list). */
function tapMask(g: ConvGeometry): Float64Array {
  const block = g.cin * g.cout;
  const taps = g.kernel.length / block;
  const mask = new Float64Array(taps);
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < block; i++) if (g.kernel[t * block + i] !== 0) { mask[t] = 1; break; }
  }
  return mask;
}

/** Depth multiplier m > 1: each channel's 1 -> m convolution through the Gram scan; the max over channels. */
function perChannelScan(g: ConvGeometry, m: number, relativeSlack: number): ConvNormBound {
  const { cin, cout } = g;
  const taps = g.rawKernel.length / (cin * cout);
  let upperBound = 0;
  let estimate = 0;
  const inputShape = g.rank === 1 ? [g.axes[1].n, 1] : [g.axes[0].n, g.axes[1].n, 1];
  const rawShape = [...g.rawShape.slice(0, g.rank), 1, m];
  let stopBelow = 0;
  for (let c = 0; c < cin; c++) {
    const k = new Float64Array(taps * m);
    for (let t = 0; t < taps; t++) for (let j = 0; j < m; j++) k[t * m + j] = g.rawKernel[t * cin * cout + c * cout + c * m + j];
    const sub = convGeometryOf(k, rawShape, inputShape, { strides: [...g.strides.slice(2 - g.rank)], padding: g.padding, dilation: [...g.dilation.slice(2 - g.rank)] });
    const r = convGramScan(sub, { relativeSlack, stopBelow });
    upperBound = Math.max(upperBound, r.upperBound);
    estimate = Math.max(estimate, r.estimate);
    stopBelow = Math.max(upperBound, estimate * (1 + relativeSlack));
  }
  return {
    upperBound, estimate, exact: null,
    method: `depthwise (multiplier ${m}): max over ${cin} channels of each 1 -> ${m} convolution's Gram-iteration DFT bound`,
  };
}
