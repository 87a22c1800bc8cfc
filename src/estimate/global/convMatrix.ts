import { convAxis, type ConvPadding } from '../conv/convGeometry.js';

/**
 * The dense matrix (`out x in`, row-major float64, NHWC flattening) of a stride/dilation/padding
 * 2-D convolution with kernel `[kh, kw, cin, cout]` on an input `[h, w, cin]`, tfjs semantics
 * (`'same'` / `'valid'` padding split as `computeConv2DInfo`). Null when it would exceed `maxEntries`. Built by index arithmetic, so every
 * entry is a kernel weight or 0, exactly. A conv1d is the case h = kh = 1.
 */
export function convMatrix(
  kernel: Float64Array, kernelShape: [number, number, number, number], input: [number, number, number],
  strides: [number, number], dilation: [number, number], padding: ConvPadding, maxEntries = Infinity,
): { weight: Float64Array; rows: number; cols: number; outShape: [number, number, number] } | null {
  const [kh, kw, cin, cout] = kernelShape;
  const [h, w] = input;
  const ay = convAxis(h, (kh - 1) * dilation[0] + 1, strides[0], padding);
  const ax = convAxis(w, (kw - 1) * dilation[1] + 1, strides[1], padding);
  const cols = h * w * cin;
  const rows = ay.out * ax.out * cout;
  if (rows * cols > maxEntries) return null;
  const weight = new Float64Array(rows * cols);
  for (let oy = 0; oy < ay.out; oy++) {
    for (let ox = 0; ox < ax.out; ox++) {
      for (let ty = 0; ty < kh; ty++) {
        const iy = oy * strides[0] - ay.before + ty * dilation[0];
        if (iy < 0 || iy >= h) continue;
        for (let tx = 0; tx < kw; tx++) {
          const ix = ox * strides[1] - ax.before + tx * dilation[1];
          if (ix < 0 || ix >= w) continue;
          for (let ci = 0; ci < cin; ci++) {
            const col = (iy * w + ix) * cin + ci;
            const k0 = ((ty * kw + tx) * cin + ci) * cout;
            for (let co = 0; co < cout; co++) {
              const row = (oy * ax.out + ox) * cout + co;
              weight[row * cols + col] += kernel[k0 + co];
            }
          }
        }
      }
    }
  }
  return { weight, rows, cols, outShape: [ay.out, ax.out, cout] };
}
