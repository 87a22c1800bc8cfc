import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { LipkitError } from '../util/errors.js';
import { certifyCommand } from './certifyCommand.js';
import { studyCommand } from './studyCommand.js';
import { demoCommand } from './demoCommand.js';
import { playgroundCommand } from './playgroundCommand.js';

/** Where the CLI writes: text sinks for standard output and standard error. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIO: CliIO = {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
};

/** Exit status for bad input (flags, files, models). */
export const EXIT_BAD_INPUT = 2;
/** Exit status for unexpected internal errors. */
export const EXIT_INTERNAL = 1;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? text;
}

/**
 * Runs the `lipkit` command line in-process on `argv` (the arguments after the program
 * name, e.g. `['certify', 'model.json', '--json']`) and resolves to the exit status:
 * 0 success, 2 bad input (one line `lipkit: <message>` on stderr, no stack trace),
 * 1 unexpected internal error (also one line). Commands: `demo`, `certify`, `study`, `playground`; one file per command
 * (`certifyCommand.ts`, ...), registered in `commands` below.
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = new Command('lipkit')
    .description('measure and certify the Lipschitz smoothness of TF.js models')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: () => { /* reported below, as one line */ },
    });
  const commands = [demoCommand(io), certifyCommand(io), studyCommand(io), playgroundCommand(io)];
  for (const c of commands) {
    program.addCommand(c.copyInheritedSettings(program));
    for (const sub of c.commands) sub.copyInheritedSettings(c);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync') return EXIT_BAD_INPUT;
      io.stderr(`lipkit: ${firstLine(e.message.replace(/^error: /, ''))}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof LipkitError) {
      io.stderr(`lipkit: ${firstLine(e.message)}\n`);
      return EXIT_BAD_INPUT;
    }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.stderr(`lipkit: internal error: ${firstLine(message)}\n`);
    return EXIT_INTERNAL;
  }
}
