import { describe, expect, it } from 'vitest';
import { markdownTable, resultsMarkdown } from '../../src/report/markdown.js';
import { formatCell } from '../../src/report/reportLabels.js';
import { expectError } from '../expectLipkitError.js';
import { syntheticCertify, syntheticMoons } from './syntheticOutputs.js';

describe('formatCell', () => {
  it('prints integers in full, other numbers with 4 significant digits, and null as a dash', () => {
    expect(formatCell(12345678)).toBe('12345678');
    expect(formatCell(37.2145)).toBe('37.21');
    expect(formatCell(0.5)).toBe('0.5');
    expect(formatCell(1.23456e-7)).toBe('1.235e-7');
    expect(formatCell(2e-5)).toBe('2e-5');
    expect(formatCell(-0.000123)).toBe('-1.23e-4');
    expect(formatCell(1234567.8)).toBe('1.235e+6');
    expect(formatCell(null)).toBe('—');
    expect(formatCell(Number.NaN)).toBe('NaN');
    expect(formatCell(-Infinity)).toBe('−∞');
    expect(formatCell('as given 0.123456')).toBe('as given 0.123456');
  });
});

describe('markdownTable', () => {
  it('escapes pipes and line breaks and right-aligns numeric columns', () => {
    const md = markdownTable({ title: 't', columns: ['name | kind', 'value'], rows: [['a|b', 1.5], ['two\nlines', null]] });
    expect(md.split('\n')).toEqual([
      '| name \\| kind | value |',
      '| --- | ---: |',
      '| a\\|b | 1.5 |',
      '| two lines | — |',
    ]);
  });
});

describe('resultsMarkdown', () => {
  it('has every study, claim verdict, table and figure link', () => {
    const md = resultsMarkdown([syntheticMoons(), syntheticCertify()], { title: 'Tour', intro: 'Intro.', extra: '## Extra\n\nmore' });
    expect(md.startsWith('# Tour\n\nIntro.\n\n## Two moons')).toBe(true);
    expect(md).toContain('## Certified vs empirical');
    expect(md).toContain('`lipkit study moons-synthetic`, mode smoke, seed 0, 3.2 s');
    expect(md).toContain('| Claim | Kind | Verdict | Effect [95 % CI] | p adj. (p, n) | Evidence |');
    expect(md).toContain('| Spectral normalization smooths the decision surface | exploratory | ✓ held | — | — | L upper bound 1.9 vs 37.2 (plain) |');
    expect(md).toContain('| exploratory | ✗ contradicted |');
    expect(md).toContain('| exploratory | ? inconclusive |');
    expect(md).toContain('| P1: the penalty lowers log loss | primary | ✗ contradicted | 0.4213 [0.2324, 0.6102] | 0.03125 (p 0.007813, n 8) | log loss, penalty - plain |');
    expect(md).toContain('### Per model | pipes');
    expect(md).toContain('| plain | 0.97 | 37.21 | 5.1 |');
    expect(md).toContain('- [Decision surfaces](figures/moons-synthetic-decision-surfaces.svg): P(class 1)');
    expect(md).toContain('- [Per-frequency error](figures/certify-synthetic-frequency-error.svg)');
    expect(md.trimEnd().endsWith('## Extra\n\nmore')).toBe(true);
  });

  it('makes one study the document (its title as the heading, sections one level down)', () => {
    const md = resultsMarkdown([syntheticCertify()]);
    expect(md.startsWith('# Certified vs empirical\n\n`lipkit study certify-synthetic`')).toBe(true);
    expect(md).toContain('\n## Claims\n');
    expect(md.match(/^# /gm)?.length).toBe(1);
  });

  it('rejects bad outputs naming the field', () => {
    expectError(() => resultsMarkdown([]), 'outputs');
    const a = syntheticMoons();
    expectError(() => resultsMarkdown([a, syntheticMoons()]), 'outputs[1].study');
    const b = syntheticCertify();
    b.figures[2] = { ...b.figures[2], id: '../escape' };
    expectError(() => resultsMarkdown([b]), 'outputs[0].figures[2].id');
    const c = syntheticCertify();
    c.figures[1] = { ...c.figures[1], id: c.figures[0].id };
    expectError(() => resultsMarkdown([c]), 'outputs[0].figures[1].id');
    const d = syntheticMoons();
    d.tables[0].rows[1] = ['short'];
    expectError(() => resultsMarkdown([d]), 'outputs[0].tables[0].rows[1]');
  });
});
