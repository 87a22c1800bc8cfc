import { describe, expect, it } from 'vitest';
import { listOps, applyListOpsOperator } from '../../src/data/listOps.js';
import { LISTOPS_VOCABULARY, PAD_ID, tokenizeListOps } from '../../src/data/tokenizeListOps.js';
import { LipkitError } from '../../src/util/errors.js';

/** Independent evaluator: parse token ids back with a stack; returns value, depth, arities. */
function evaluateIds(ids: Int32Array, offset: number, maxLength: number): { value: number; depth: number; arities: number[]; length: number } {
  const stack: { op: string; args: number[] }[] = [];
  let result: number | undefined;
  let depth = 0;
  const arities: number[] = [];
  let length = 0;
  for (let j = 0; j < maxLength; j++) {
    const id = ids[offset + j];
    if (id === PAD_ID) break;
    length++;
    const tok = LISTOPS_VOCABULARY[id];
    if (tok.startsWith('[')) {
      stack.push({ op: tok, args: [] });
      depth = Math.max(depth, stack.length);
      continue;
    }
    let v: number;
    if (tok === ']') {
      const { op, args } = stack.pop()!;
      arities.push(args.length);
      const sorted = [...args].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      // numpy.median then int(): mean of the two middle values for even counts, truncated
      const median = sorted.length % 2 ? sorted[Math.floor(mid)] : Math.trunc((sorted[mid - 1] + sorted[mid]) / 2);
      v = op === '[MIN' ? Math.min(...args) : op === '[MAX' ? Math.max(...args) : op === '[MED' ? median : args.reduce((a, b) => a + b) % 10;
    } else {
      v = Number(tok);
      if (stack.length === 0) depth = Math.max(depth, 1);
      else depth = Math.max(depth, stack.length + 1);
    }
    if (stack.length === 0) result = v;
    else stack[stack.length - 1].args.push(v);
  }
  if (result === undefined || stack.length !== 0) throw new Error('unbalanced expression');
  return { value: result, depth, arities, length };
}

describe('listOps', () => {
  const data = listOps({ count: 300, minLength: 50, maxLength: 200, seed: 7 });
  const tok = tokenizeListOps(data.expressions);

  it('labels agree with an independent evaluator of the token ids; depth <= maxDepth, 2-10 arguments', () => {
    for (let i = 0; i < data.labels.length; i++) {
      const ev = evaluateIds(tok.ids, i * tok.maxLength, tok.maxLength);
      expect(ev.value).toBe(data.labels[i]);
      expect(ev.depth).toBeLessThanOrEqual(10);
      expect(ev.length).toBe(data.lengths[i]);
      for (const a of ev.arities) {
        expect(a).toBeGreaterThanOrEqual(2);
        expect(a).toBeLessThanOrEqual(10);
      }
    }
  });

  it('respects the length range, is unique, and the label distribution is not degenerate', () => {
    expect(Math.min(...data.lengths)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...data.lengths)).toBeLessThanOrEqual(200);
    expect(new Set(data.expressions.map((e) => e.join(' '))).size).toBe(300);
    const hist = new Array<number>(10).fill(0);
    data.labels.forEach((l) => hist[l]++);
    expect(hist.every((h) => h > 0)).toBe(true);
    expect(Math.max(...hist) / 300).toBeLessThan(0.4);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = listOps({ count: 300, minLength: 50, maxLength: 200, seed: 7 });
    expect(again.expressions).toEqual(data.expressions);
    expect(Array.from(again.labels)).toEqual(Array.from(data.labels));
    const other = listOps({ count: 300, minLength: 50, maxLength: 200, seed: 8 });
    expect(other.expressions).not.toEqual(data.expressions);
  });

  it('maxDepth and maxArgs bound the trees; the LRA range 500-2000 works too', () => {
    const shallow = listOps({ count: 50, minLength: 5, maxLength: 40, maxDepth: 3, maxArgs: 4, seed: 1 });
    const t = tokenizeListOps(shallow.expressions);
    for (let i = 0; i < 50; i++) {
      const ev = evaluateIds(t.ids, i * t.maxLength, t.maxLength);
      expect(ev.depth).toBeLessThanOrEqual(3);
      expect(Math.max(...ev.arities)).toBeLessThanOrEqual(4);
      expect(ev.value).toBe(shallow.labels[i]);
    }
    const lra = listOps({ count: 5, minLength: 500, maxLength: 2000, seed: 2 });
    expect(Math.min(...lra.lengths)).toBeGreaterThanOrEqual(500);
  });

  it('MED follows int(numpy.median)', () => {
    expect(applyListOpsOperator('[MED', [1, 2])).toBe(1);
    expect(applyListOpsOperator('[MED', [9, 0])).toBe(4);
    expect(applyListOpsOperator('[MED', [4, 1, 3, 2])).toBe(2);
    expect(applyListOpsOperator('[MED', [7, 1, 5])).toBe(5);
    expect(applyListOpsOperator('[SM', [9, 8, 7])).toBe(4);
  });

  it('rejects bad options with errors naming the field', () => {
    const bad = (o: object, field: string): void => {
      expect(() => listOps(o as never)).toThrow(LipkitError);
      try { listOps(o as never); } catch (e) { expect((e as LipkitError).argument).toBe(field); }
    };
    bad({ count: 0 }, 'options.count');
    bad({ count: 2, minLength: 1 }, 'options.minLength');
    bad({ count: 2, minLength: 30, maxLength: 20 }, 'options.maxLength');
    bad({ count: 2, minLength: 10, maxLength: 20, maxDepth: 2, maxArgs: 2 }, 'options.minLength');
    bad({ count: 2, maxArgs: 1 }, 'options.maxArgs');
    bad({ count: 2, operatorProbability: 1.5 }, 'options.operatorProbability');
    bad({ count: 2, seed: 0.5 }, 'options.seed');
    bad({ count: 2, minLength: 1000, maxLength: 1001, maxAttempts: 20 }, 'options.minLength');
  });
});

describe('tokenizeListOps', () => {
  it('maps tokens to ids, pads with 0 and masks the padding', () => {
    const t = tokenizeListOps([['[MAX', '2', '9', ']'], ['7']], { maxLength: 6 });
    expect(Array.from(t.ids)).toEqual([12, 3, 10, 15, 0, 0, 8, 0, 0, 0, 0, 0]);
    expect(Array.from(t.mask)).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(t.lengths)).toEqual([4, 1]);
    expect(t.vocabularySize).toBe(16);
  });
  it('refuses to truncate and unknown tokens', () => {
    expect(() => tokenizeListOps([['[MAX', '2', '9', ']']], { maxLength: 3 })).toThrow(/options.maxLength/);
    expect(() => tokenizeListOps([['[FIRST', '2', ']']])).toThrow(/expressions/);
    expect(() => tokenizeListOps([['<pad>']])).toThrow(/expressions/);
    expect(() => tokenizeListOps([])).toThrow(/expressions/);
  });
});
