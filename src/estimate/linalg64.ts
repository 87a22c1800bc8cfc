/**
 * Small dense float64 kernels (row-major Float64Arrays), shared by the global and local
 * certificates and the merging of linear pieces.
 * Written for contiguous inner loops: every inner product runs along rows.
 */

/** Unit roundoff of float64, 2^-53. */
export const U64 = 2 ** -53;

/** gamma_n = n u / (1 - n u), the Higham constant for length-n inner products. */
export function gamma(n: number): number {
  return (n * U64) / (1 - n * U64);
}

/**
 * In-place lower Cholesky factor of the symmetric n x n matrix `a` (only the lower triangle is
 * read; the upper triangle is zeroed). Returns false when a pivot is not positive (or NaN):
 * the matrix is then not (numerically) positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    for (let i = j; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      if (i === j) {
        if (!(s > 0)) return false;
        a[rj + j] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j];
      }
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/** Solves L y = b in place (L lower triangular n x n, row-major), b of length n at offset `off` of `out`. */
export function forwardSolveRow(l: Float64Array, n: number, out: Float64Array, off: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = out[off + i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * out[off + k];
    out[off + i] = s / l[ri + i];
  }
}

/** Solves L^T x = y in place (L lower triangular n x n), y of length n at offset `off` of `out`. */
export function backSolveRow(l: Float64Array, n: number, out: Float64Array, off: number): void {
  for (let i = n - 1; i >= 0; i--) {
    const v = out[off + i] / l[i * n + i];
    out[off + i] = v;
    for (let k = 0; k < i; k++) out[off + k] -= l[i * n + k] * v;
  }
}

/** Z = B L^{-T} for B r x n (row-major): each row z solves L z = b. Returns a new array. */
export function rightSolveTransposed(b: Float64Array, r: number, l: Float64Array, n: number): Float64Array {
  const z = Float64Array.from(b);
  for (let i = 0; i < r; i++) forwardSolveRow(l, n, z, i * n);
  return z;
}

/** G = Z Z^T for Z r x n (row-major): r x r symmetric. */
export function rowGram(z: Float64Array, r: number, n: number): Float64Array {
  const g = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    const oi = i * n;
    for (let j = 0; j <= i; j++) {
      const oj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += z[oi + k] * z[oj + k];
      g[i * r + j] = s;
      g[j * r + i] = s;
    }
  }
  return g;
}

/** C = A B for A r x k, B k x c (row-major). */
export function matMul(a: Float64Array, r: number, k: number, b: Float64Array, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const oo = i * c;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bo = p * c;
      for (let j = 0; j < c; j++) out[oo + j] += aip * b[bo + j];
    }
  }
  return out;
}

/** A^T for A r x c. */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}

/** y = A x for A r x c. */
export function matVec(a: Float64Array, r: number, c: number, x: Float64Array): Float64Array {
  const y = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    let s = 0;
    const o = i * c;
    for (let j = 0; j < c; j++) s += a[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = A^T x for A r x c. */
export function matTVec(a: Float64Array, r: number, c: number, x: Float64Array): Float64Array {
  const y = new Float64Array(c);
  for (let i = 0; i < r; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const o = i * c;
    for (let j = 0; j < c; j++) y[j] += a[o + j] * xi;
  }
  return y;
}

/** Squared Frobenius norm. */
export function frobenius2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/**
 * Largest eigenvalue and its unit eigenvector of a symmetric PSD n x n matrix: cyclic Jacobi
 * for n <= 64 (accurate to rounding), power iteration (an ESTIMATE from below) beyond.
 */
export function topEigen(g: Float64Array, n: number): { value: number; vector: Float64Array } {
  if (n <= 64) return jacobiTop(g, n);
  let v = new Float64Array(n).map((_, i) => 1 + ((i * 7919) % 13) / 13);
  let value = 0;
  for (let it = 0; it < 300; it++) {
    const w = matVec(g, n, n, v);
    const norm = Math.sqrt(frobenius2(w));
    if (norm === 0) return { value: 0, vector: v };
    const next = w.map((x) => x / norm);
    const change = Math.abs(norm - value);
    value = norm;
    v = next;
    if (change <= 1e-13 * norm && it > 5) break;
  }
  return { value, vector: v };
}

function jacobiTop(g: Float64Array, n: number): { value: number; vector: Float64Array } {
  const a = Float64Array.from(g);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30 * (frobenius2(a) + 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i] > a[best * n + best]) best = i;
  const vector = new Float64Array(n);
  for (let k = 0; k < n; k++) vector[k] = v[k * n + best];
  return { value: a[best * n + best], vector };
}
