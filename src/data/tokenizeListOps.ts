import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';

/** ListOps vocabulary: id 0 is padding, then the digits 0-9 (ids 1-10), the operators and `]`. */
export const LISTOPS_VOCABULARY: readonly string[] = ['<pad>', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '[MIN', '[MAX', '[MED', '[SM', ']'];
/** The padding id of every lipkit tokenizer. */
export const PAD_ID = 0;

/** Token ids, padded to a common length, with their padding mask. */
export interface TokenizedSequences {
  /** `[count, maxLength]` row-major int32 ids, `PAD_ID` after each sequence's end. */
  ids: Int32Array;
  /** `[count, maxLength]` 1 at real tokens, 0 at padding (float32, ready for a tensor). */
  mask: Float32Array;
  /** Real tokens per sequence. */
  lengths: Int32Array;
  count: number;
  maxLength: number;
  vocabularySize: number;
}

/**
 * Maps ListOps token lists (from `listOps`) to ids of `LISTOPS_VOCABULARY`, padded on the right
 * with id 0 to `options.maxLength` (default: the longest expression), with a padding mask.
 * Never truncates (that would change the label): a longer expression is a LipkitError naming
 * `options.maxLength`; an unknown token names `expressions`.
 */
export function tokenizeListOps(expressions: readonly (readonly string[])[], options: { maxLength?: number } = {}): TokenizedSequences {
  checkOptions('options', options);
  if (!Array.isArray(expressions) || expressions.length === 0) throw new LipkitError('expressions', 'must be a non-empty array of token arrays');
  let longest = 0;
  for (const e of expressions) {
    if (!Array.isArray(e) || e.length === 0) throw new LipkitError('expressions', 'every expression must be a non-empty array of tokens');
    longest = Math.max(longest, e.length);
  }
  const maxLength = checkNumber('options.maxLength', options.maxLength ?? longest, { min: 1, integer: true });
  if (longest > maxLength) throw new LipkitError('options.maxLength', `${maxLength} is shorter than the longest expression (${longest} tokens); truncation would change labels`);
  const index = new Map(LISTOPS_VOCABULARY.map((t, i) => [t, i]));
  const count = expressions.length;
  const ids = new Int32Array(count * maxLength);
  const mask = new Float32Array(count * maxLength);
  const lengths = new Int32Array(count);
  expressions.forEach((e, i) => {
    lengths[i] = e.length;
    e.forEach((token: string, j: number) => {
      const id = index.get(token);
      if (id === undefined || id === PAD_ID) throw new LipkitError('expressions', `unknown token ${JSON.stringify(token)} in expression ${i}`);
      ids[i * maxLength + j] = id;
      mask[i * maxLength + j] = 1;
    });
  });
  return { ids, mask, lengths, count, maxLength, vocabularySize: LISTOPS_VOCABULARY.length };
}
