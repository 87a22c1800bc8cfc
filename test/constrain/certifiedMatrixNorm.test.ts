import { describe, expect, it } from 'vitest';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { certifyMatrixNorm } from '../../src/constrain/certifiedMatrixNorm.js';

// Close top singular values used to defeat the certificate's float64 power steps (Cholesky
// failed twice, then the slow trace-power bound); Lanczos resolves them in the first try.
describe('certifyMatrixNorm on close-gap matrices (oracle: exact SVD)', () => {
  it('Gaussian 300 x 120 (both orientations) and a matrix with a repeated top singular value', () => {
    let seed = 11;
    const rnd = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
    const gauss = Float32Array.from({ length: 300 * 120 }, rnd);
    const transposed = new Float32Array(120 * 300);
    for (let i = 0; i < 300; i++) for (let j = 0; j < 120; j++) transposed[j * 300 + i] = gauss[i * 120 + j]!;
    // diag(3, 3, 2.999, 1, ...) rotated by a column permutation with signs
    const rep = new Float32Array(40 * 30);
    const diag = [3, 3, 2.999, ...Array.from({ length: 27 }, (_, i) => 1 + i / 30)];
    diag.forEach((d, i) => { rep[((i * 7) % 40) * 30 + i] = (i % 2 === 0 ? 1 : -1) * d; });
    for (const [data, rows, cols] of [[gauss, 300, 120], [transposed, 120, 300], [rep, 40, 30]] as const) {
      const m: number[][] = [];
      for (let i = 0; i < rows; i++) m.push(Array.from(data.subarray(i * cols, (i + 1) * cols)));
      const exact = exactSingularValues(m)[0]!;
      const c = certifyMatrixNorm(data, rows, cols, null, 2.5e-4);
      expect(c.method).toBe('cholesky');
      expect(c.upperBound).toBeGreaterThanOrEqual(exact);
      expect(c.upperBound).toBeLessThanOrEqual(exact * (1 + 6e-4));
      expect(c.estimate).toBeLessThanOrEqual(exact * (1 + 1e-12));
      expect(c.v.length).toBe(cols);
    }
  });
});
