/** A finite number, or null (JSON has no NaN / Infinity). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Mean and sample standard deviation (n - 1; 0 for one value) of the finite values; NaN for none. */
export function meanSd(values: readonly (number | null)[]): { mean: number; sd: number; n: number } {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/** A number with `digits` significant digits (integers at or above 10^digits, an exponent below 1e-4); 'n/a' when not finite. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-4) return v.toExponential(digits - 1);
  if (a >= 10 ** digits) return String(Math.round(v));
  return v.toPrecision(digits);
}

/** `mean ± sd` over seeds (just the mean for one seed), `digits` significant digits. */
export function formatMeanSd(values: readonly (number | null)[], digits = 3): string {
  const { mean, sd, n } = meanSd(values);
  if (n === 0) return 'n/a';
  return n > 1 ? `${formatNumber(mean, digits)} ± ${formatNumber(sd, 2)}` : formatNumber(mean, digits);
}

/** Every k-th entry of a curve (and always the last), as `{ index, value }` with 1-based indices. */
export function subsample<T>(values: readonly T[], maxPoints: number): { index: number; value: T }[] {
  const k = Math.max(1, Math.ceil(values.length / Math.max(1, maxPoints)));
  const out: { index: number; value: T }[] = [];
  values.forEach((value, i) => { if (i % k === k - 1 || i === values.length - 1) out.push({ index: i + 1, value }); });
  return out;
}

/** The values of a numeric field over the records of one arm (null where missing or not a number). */
export function armValues(records: readonly { arm: string; [key: string]: unknown }[], arm: string, field: string): (number | null)[] {
  return records.filter((r) => r.arm === arm).map((r) => (typeof r[field] === 'number' ? (r[field] as number) : null));
}

/** Mean of a field over one arm's records (NaN when none is finite). */
export function armMean(records: readonly { arm: string; [key: string]: unknown }[], arm: string, field: string): number {
  return meanSd(armValues(records, arm, field)).mean;
}

/** Pooled standard deviation of two samples (0 when both have one value). */
export function pooledSd(a: readonly (number | null)[], b: readonly (number | null)[]): number {
  const x = meanSd(a);
  const y = meanSd(b);
  const dof = x.n + y.n - 2;
  if (dof <= 0) return 0;
  return Math.sqrt(((x.n - 1) * x.sd ** 2 + (y.n - 1) * y.sd ** 2) / dof);
}
