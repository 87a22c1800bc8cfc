/**
 * Eigen-decomposition of a small dense symmetric matrix (float64, cyclic Jacobi rotations),
 * for the Rayleigh-Ritz steps of the block power iteration and of Lanczos (sizes up to a few
 * dozen). EXACT up to float64 rounding (Jacobi is backward stable), not an estimate.
 */
export interface SmallEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows (`vectors[i * k + j]` = component j of the i-th eigenvector), same order. */
  vectors: Float64Array;
}

/** Eigenpairs of the symmetric `k x k` row-major `a` (only its symmetric part is used; not modified). */
export function smallSymmetricEigen(a: ArrayLike<number>, k: number): SmallEigen {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m[i * k + j] = ((a[i * k + j] as number) + (a[j * k + i] as number)) / 2;
  const q = new Float64Array(k * k);
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < k; i++) {
      diag += m[i * k + i]! * m[i * k + i]!;
      for (let j = i + 1; j < k; j++) off += m[i * k + j]! * m[i * k + j]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < k; p++) {
      for (let r = p + 1; r < k; r++) {
        const apr = m[p * k + r]!;
        if (apr === 0) continue;
        const theta = (m[r * k + r]! - m[p * k + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let i = 0; i < k; i++) {
          const mip = m[i * k + p]!;
          const mir = m[i * k + r]!;
          m[i * k + p] = c * mip - s * mir;
          m[i * k + r] = s * mip + c * mir;
        }
        for (let i = 0; i < k; i++) {
          const mpi = m[p * k + i]!;
          const mri = m[r * k + i]!;
          m[p * k + i] = c * mpi - s * mri;
          m[r * k + i] = s * mpi + c * mri;
        }
        for (let i = 0; i < k; i++) {
          const qip = q[i * k + p]!;
          const qir = q[i * k + r]!;
          q[i * k + p] = c * qip - s * qir;
          q[i * k + r] = s * qip + c * qir;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((x, y) => m[y * k + y]! - m[x * k + x]!);
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * k);
  order.forEach((col, i) => {
    values[i] = m[col * k + col]!;
    for (let j = 0; j < k; j++) vectors[i * k + j] = q[j * k + col]!;
  });
  return { values, vectors };
}
