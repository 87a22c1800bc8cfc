import Table from 'cli-table3';
import type { StudyOutput } from '../studies/study.js';
import { claimVerdict, VERDICT_LABEL } from '../report/reportLabels.js';

/** The claims of studies as a terminal table: study, claim, verdict (the report's labels: ✓ held / ✗ did not hold / ? undecided). */
export function claimsTable(outputs: readonly StudyOutput[]): string {
  const table = new Table({ head: ['study', 'claim', 'verdict'], colWidths: [20, 70, 16], wordWrap: true, style: { head: [], border: [] } });
  for (const o of outputs) {
    for (const c of o.claims) table.push([o.study, c.claim, VERDICT_LABEL[claimVerdict(c.held)]]);
    if (o.claims.length === 0) table.push([o.study, '(no claims)', '']);
  }
  return `${table.toString()}\n`;
}
