import * as tfl from '@tensorflow/tfjs-layers';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';

export type { Regularizer };

/**
 * tfjs-layers' `Regularizer` base class. The package exports the type but not the class
 * value, so it is taken from the prototype chain of a built-in regularizer (L1L2).
 */
export const RegularizerBase = Object.getPrototypeOf(tfl.regularizers.l2({ l2: 0 }).constructor) as abstract new () => Regularizer;
