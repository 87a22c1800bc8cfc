import type { StudyClaim } from './study.js';

/** The claims as sentences for a study's summary: "Held: ... Did not hold: ... Undecided: ...". */
export function claimSentences(claims: readonly StudyClaim[]): string {
  return claims.map((c) => `${c.held === true ? 'Held' : c.held === false ? 'Did not hold' : 'Undecided'}: ${c.claim}.`).join(' ');
}
