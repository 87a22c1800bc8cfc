/**
 * The one error class lipkit throws for bad input. `argument` names the offending
 * argument or option field (e.g. `"matrix"`, `"options.iterations"`), so that a CLI
 * or a caller can report it in one line.
 */
export class LipkitError extends Error {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'LipkitError';
    this.argument = argument;
  }
}
