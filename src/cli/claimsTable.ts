import Table from 'cli-table3';
import type { StudyOutput } from '../studies/study.js';
import { claimCells } from '../report/reportLabels.js';

/**
 * The claims of studies as a terminal table: study, claim, kind (primary / exploratory),
 * verdict (the report's labels: ✓ held / ✗ contradicted / ? inconclusive), effect with its
 * 95 % interval, and the adjusted p with the raw p and paired seeds (— for claims judged by an
 * older rule without statistics).
 */
export function claimsTable(outputs: readonly StudyOutput[]): string {
  const table = new Table({
    head: ['study', 'claim', 'kind', 'verdict', 'effect [95 % CI]', 'p adj. (p, n)'],
    colWidths: [16, 48, 13, 16, 26, 24],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const o of outputs) {
    for (const c of o.claims) {
      const [claim, role, verdict, effect, p] = claimCells(c);
      table.push([o.study, claim, role, verdict, effect, p]);
    }
    if (o.claims.length === 0) table.push([o.study, '(no claims)', '', '', '', '']);
  }
  return `${table.toString()}\n`;
}
