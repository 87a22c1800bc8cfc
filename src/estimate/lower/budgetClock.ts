import type { LowerBoundProgress } from './lowerBoundTypes.js';

/** Wall-clock budget of a search, shared by its stages, with progress reporting. */
export class BudgetClock {
  private readonly start = performance.now();
  stopped = false;

  constructor(private readonly seconds: number, private readonly onProgress?: (p: LowerBoundProgress) => void) {}

  /** Seconds since the start. */
  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }

  /** True (and remembered) once `fraction` of the budget is spent. */
  spent(fraction = 1): boolean {
    if (this.elapsed() >= this.seconds * fraction) {
      this.stopped = true;
      return true;
    }
    return false;
  }

  progress(stage: string, done: number, total: number): void {
    this.onProgress?.({ stage, done, total });
  }
}
