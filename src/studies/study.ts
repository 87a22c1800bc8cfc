/**
 * The contract every lipkit study follows (`lipkit study NAME`, `lipkit demo`): a study runs
 * at a size (`mode`), reports progress, and returns a JSON-serializable `StudyOutput` with its
 * records, summary tables, the claims of the source it tests (held or not, with the evidence),
 * and figures as Vega-Lite specifications with inline data (rendered to SVG by `src/report`).
 */

/** Sizes: 'smoke' (seconds, for tests), 'quick' (a few minutes; the primary claims at small sizes, 8 paired seeds in most studies), 'default' (minutes), 'full' (users with time). */
export const STUDY_MODES = ['smoke', 'quick', 'default', 'full'] as const;
export type StudyMode = (typeof STUDY_MODES)[number];

/** One progress tick: `done` of `total` units finished; `label` says what just finished. */
export interface StudyProgress {
  done: number;
  total: number;
  label: string;
}

/** Options every study accepts. */
export interface StudyRunOptions {
  /** Size of the run. Default 'default'. */
  mode?: StudyMode;
  /** Base seed (runs derive theirs from it). Default 0. */
  seed?: number;
  /** Called after each unit of work (a training run, an epoch block). */
  onProgress?: (p: StudyProgress) => void;
}

/** A JSON value (what results.json may hold). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A Vega-Lite specification with inline data (`data: { values: [...] }`), no URLs; JSON-serializable. */
export type VegaLiteSpec = Record<string, unknown>;

/** One figure: a Vega-Lite spec plus the words that explain it. */
export interface StudyFigure {
  /** File-name-safe id, unique within the study (`decision-surfaces`): written as `figures/<id>.svg`. */
  id: string;
  title: string;
  /** One or two sentences: what is plotted and what to look for. */
  caption: string;
  spec: VegaLiteSpec;
}

/** A table of the summary (also written to results.md). */
export interface StudyTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/**
 * A claim of the source talk or paper and whether this run supports it.
 *
 * Claims judged with paired seeds (`src/studies/stats`, `verdictClaim`) carry `verdict` and its
 * statistics; `held` then mirrors the verdict (held -> true, contradicted -> false,
 * inconclusive -> null) for readers of the older field. `primary: true` marks a pre-registered
 * primary claim (its p is Holm-adjusted over the study's primaries); every other claim is
 * exploratory.
 */
export interface StudyClaim {
  /** The claim in the source's words, shortened. */
  claim: string;
  /** true: held; false: did not hold (contradicted); null: not decidable at this size (inconclusive). */
  held: boolean | null;
  /** The numbers behind the verdict. */
  evidence: string;
  /** The statistical verdict (paired seeds, 95 % interval, Holm-adjusted p <= 0.05); absent for claims judged by older rules. */
  verdict?: 'held' | 'contradicted' | 'inconclusive';
  /** Mean paired difference (treatment - control) the verdict is about. */
  effect?: number;
  /** Two-sided 95 % t interval of `effect`. */
  interval?: [number, number];
  /** Two-sided p-value (sign-flip permutation or t). */
  p?: number;
  /** `p` Holm-adjusted over the claim's family (the study's primary claims). */
  pAdjusted?: number;
  /** Paired seeds. */
  n?: number;
  /** true: a pre-registered primary claim; false or absent: exploratory. */
  primary?: boolean;
}

/** What a study returns (and `results.json` holds, with `records`). */
export interface StudyOutput {
  study: string;
  title: string;
  mode: StudyMode;
  seed: number;
  seconds: number;
  /** One paragraph: what was run and what came out. */
  summary: string;
  claims: StudyClaim[];
  tables: StudyTable[];
  figures: StudyFigure[];
  /** The raw records (one per run / model), JSON-serializable (plain objects, arrays, numbers, strings, null). */
  records: unknown[];
}

/** A study the CLI can run. */
export interface StudyDefinition {
  /** CLI name (`two-moons`). */
  name: string;
  title: string;
  /** One line for `lipkit study --help`. */
  description: string;
  run(options?: StudyRunOptions): Promise<StudyOutput>;
}
