import { readMatrix, type MatrixLike } from '../util/validate.js';

/** Most sweeps allowed; one-sided Jacobi converges quadratically, typically in 6-12 sweeps. */
const MAX_SWEEPS = 80;

/**
 * float64 singular values, descending, by one-sided Jacobi (Hestenes), plain TypeScript.
 *
 * Orthogonalizes the columns of `A` (after transposing so that rows >= cols) by plane
 * rotations `[a_p a_q] <- [a_p a_q] [[c, s], [-s, c]]` until every pair satisfies
 * `|a_p . a_q| <= eps * ||a_p|| ||a_q||`; the singular values are then the column norms
 * (Hestenes 1958; Demmel & Veselic 1992 show it is relatively accurate).
 * The matrix is pre-scaled by its largest |entry| so squares neither overflow nor underflow.
 *
 * This is EXACT up to float64 rounding (a few ulps of sigma_max times the dimension), not an
 * estimate. Cost: about `sweeps * cols^2 * rows` multiply-adds, so meant for matrices up to a
 * few hundred columns. Returns `min(rows, cols)` values; rank-deficient and zero matrices give
 * exact zeros. Throws a LipkitError naming `matrix` for non-2-D, empty, ragged or non-finite
 * input.
 */
export function exactSingularValues(matrix: MatrixLike): Float64Array {
  const { data, rows, cols } = readMatrix('matrix', matrix);
  return jacobiSingularValues(data, rows, cols);
}

/**
 * The same on a validated row-major float64 array (no copy of `data` is kept; it is not
 * modified). Internal helper shared with `spectralNormUpperBound`.
 */
export function jacobiSingularValues(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  // Work on the tall orientation: m >= n, columns stored contiguously (column-major).
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  let scale = 0;
  for (let i = 0; i < data.length; i++) scale = Math.max(scale, Math.abs(data[i]));
  const out = new Float64Array(n);
  if (scale === 0) return out;
  const a = new Float64Array(m * n); // column j at a[j*m .. j*m+m)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] / scale;
      // A (rows x cols): column j of A is entries (., j). A^T: column i of A^T is row i of A.
      if (transpose) a[i * m + j] = v;
      else a[j * m + i] = v;
    }
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) norms[j] = sumSquares(a, j * m, m);
  const eps = 2.220446049250313e-16;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p];
        const beta = norms[q];
        if (alpha === 0 || beta === 0) continue;
        const op = p * m;
        const oq = q * m;
        let gamma = 0;
        for (let i = 0; i < m; i++) gamma += a[op + i] * a[oq + i];
        if (Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = a[op + i];
          const y = a[oq + i];
          a[op + i] = c * x - s * y;
          a[oq + i] = s * x + c * y;
        }
        // Recompute exactly rather than updating (alpha - t*gamma), which drifts.
        norms[p] = sumSquares(a, op, m);
        norms[q] = sumSquares(a, oq, m);
      }
    }
    if (!rotated) break;
  }
  for (let j = 0; j < n; j++) out[j] = Math.sqrt(norms[j]) * scale;
  out.sort((x, y) => y - x);
  return out;
}

function sumSquares(a: Float64Array, offset: number, length: number): number {
  let s = 0;
  for (let i = 0; i < length; i++) {
    const v = a[offset + i];
    s += v * v;
  }
  return s;
}
