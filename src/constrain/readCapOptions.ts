import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { readConvOptions, type ConvKernelOptions } from './spectralConstraintBase.js';
import { readGuarantee, type GuaranteeOptions, type GuaranteeSettings } from './spectralGuarantee.js';

/** The options shared by the capping constraints that keep the paper's algorithm behind `faithful`. */
export interface CapOptions extends ConvKernelOptions, GuaranteeOptions {
  cap: number;
  faithful?: boolean;
}

/** Validated `cap` (> 0), `faithful` (default false), conv options (`inputShape` refused with `faithful`) and guarantee. */
export function readCapOptions(options: CapOptions): { cap: number; faithful: boolean; conv: ConvKernelOptions; settings: GuaranteeSettings } {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with cap');
  const cap = checkNumber('options.cap', options.cap, { min: 0, exclusiveMin: true });
  if (options.faithful !== undefined && typeof options.faithful !== 'boolean') throw new LipkitError('options.faithful', `must be a boolean, got ${String(options.faithful)}`);
  const faithful = options.faithful ?? false;
  return { cap, faithful, conv: readConvOptions(options, faithful), settings: readGuarantee(options) };
}
