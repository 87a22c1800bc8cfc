import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { STUDY_MODES, type StudyMode, type StudyProgress, type StudyRunOptions } from './study.js';

/** `StudyRunOptions` validated and defaulted (mode 'default', seed 0). */
export interface RunOptions {
  mode: StudyMode;
  seed: number;
  onProgress: (p: StudyProgress) => void;
}

/**
 * Validates the options every study takes; errors name `options.<field>`. `maxSeed` (default
 * 1e6) is the study's largest base seed (its runs derive seeds from it, which must stay in range).
 */
export function readRunOptions(options: StudyRunOptions | undefined, maxSeed = 1e6): RunOptions {
  checkOptions('options', options);
  const o = options ?? {};
  const mode = checkChoice('options.mode', o.mode ?? 'default', STUDY_MODES);
  const seed = checkNumber('options.seed', o.seed ?? 0, { min: 0, max: maxSeed, integer: true });
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new LipkitError('options.onProgress', 'must be a function');
  return { mode, seed, onProgress: o.onProgress ?? (() => undefined) };
}
