/**
 * Row-compressed (CSR) float64 matrices for the linear maps of a network, with an optional
 * bias: `y = W x + b`, `W` of shape [rows, cols]. Convolutions, pooling and batch norm are
 * very sparse as matrices, so the local bounds keep them in this form.
 */
export interface SparseAffine {
  rows: number;
  cols: number;
  /** rowPtr[i]..rowPtr[i+1] index the entries of row i in `col` / `val`. */
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float64Array;
  /** Length `rows`, or null for no bias. */
  bias: Float64Array | null;
}

/** Unit roundoff of float64. */
export const UNIT = 2 ** -53;

/**
 * gamma_n = n u / (1 - n u): a float64 sum of n products has absolute error at most
 * gamma_n times the sum of the absolute values of its terms (Higham, Accuracy and
 * Stability, Lemma 3.1). Doubled here as a safety factor.
 */
export function gamma(n: number): number {
  const nu = (n + 2) * UNIT;
  return (2 * nu) / (1 - nu);
}

/** Builds a CSR matrix from row lists of (column, value) pairs; zero values are dropped. */
export function sparseFromRows(rows: number, cols: number, fill: (row: number, push: (col: number, val: number) => void) => void, bias: Float64Array | null = null): SparseAffine {
  const rowPtr = new Int32Array(rows + 1);
  let colBuf = new Int32Array(Math.max(16, rows * 4));
  let valBuf = new Float64Array(colBuf.length);
  let nnz = 0;
  const push = (c: number, v: number): void => {
    if (v === 0) return;
    if (nnz === colBuf.length) {
      const nc = new Int32Array(colBuf.length * 2); nc.set(colBuf); colBuf = nc;
      const nv = new Float64Array(valBuf.length * 2); nv.set(valBuf); valBuf = nv;
    }
    colBuf[nnz] = c;
    valBuf[nnz] = v;
    nnz++;
  };
  for (let i = 0; i < rows; i++) {
    fill(i, push);
    rowPtr[i + 1] = nnz;
  }
  return { rows, cols, rowPtr, col: colBuf.slice(0, nnz), val: valBuf.slice(0, nnz), bias };
}

/**
 * The map `x -> x K + b` applied along the last axis of an input with `positions` rows of
 * length `inDim` (a Dense kernel `K` of shape [inDim, outDim], row-major), as a block-diagonal
 * CSR matrix on the flattened (row-major) input.
 */
export function denseKernelMatrix(kernel: Float64Array, inDim: number, outDim: number, positions: number, bias: Float64Array | null): SparseAffine {
  const fullBias = bias ? tile(bias, positions) : null;
  return sparseFromRows(positions * outDim, positions * inDim, (row, push) => {
    const p = Math.floor(row / outDim);
    const o = row % outDim;
    for (let i = 0; i < inDim; i++) push(p * inDim + i, kernel[i * outDim + o]);
  }, fullBias);
}

/** A per-channel affine map `y = x * scale + shift` on `positions` rows of `channels` values. */
export function channelAffine(scale: Float64Array, shift: Float64Array | null, positions: number): SparseAffine {
  const c = scale.length;
  return sparseFromRows(positions * c, positions * c, (row, push) => push(row, scale[row % c]), shift ? tile(shift, positions) : null);
}

/** Repeats a per-channel vector for each position. */
export function tile(v: Float64Array, positions: number): Float64Array {
  const out = new Float64Array(v.length * positions);
  for (let p = 0; p < positions; p++) out.set(v, p * v.length);
  return out;
}

/** Euclidean norm of each row of the matrix (bias excluded). */
export function rowNorms(m: SparseAffine): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) s += m.val[k] * m.val[k];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Largest number of entries in a column (bounds the length of every sum W^T-side products form). */
export function maxColumnCount(m: SparseAffine): number {
  const counts = new Int32Array(m.cols);
  for (let k = 0; k < m.col.length; k++) counts[m.col[k]]++;
  let best = 0;
  for (const c of counts) best = Math.max(best, c);
  return best;
}

/** Largest number of entries in a row. */
export function maxRowCount(m: SparseAffine): number {
  let best = 0;
  for (let i = 0; i < m.rows; i++) best = Math.max(best, m.rowPtr[i + 1] - m.rowPtr[i]);
  return best;
}
