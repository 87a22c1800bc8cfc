import type { LinearPiece } from '../estimate/network/linearPiece.js';

/**
 * The same linear piece with its kernel values replaced (same layout and shape): used by the
 * rules of lipkit layers that run a built-in layer's map with a computed (effective) kernel.
 */
export function withKernel(piece: LinearPiece, data: Float64Array): LinearPiece {
  switch (piece.kind) {
    case 'matrix':
      if (data.length !== piece.rows * piece.cols) throw new Error(`withKernel: ${data.length} values for a ${piece.rows}x${piece.cols} matrix`);
      return { ...piece, data };
    case 'conv':
      if (data.length !== piece.kernel.length) throw new Error(`withKernel: ${data.length} values for a kernel of ${piece.kernel.length}`);
      return { ...piece, kernel: data };
    case 'diag':
      throw new Error('withKernel: a diagonal piece has no kernel');
  }
}
