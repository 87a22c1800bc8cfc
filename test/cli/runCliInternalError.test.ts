import { describe, expect, it, vi } from 'vitest';

// The certify implementation fails with an unexpected (non-LipkitError) error.
vi.mock('../../src/cli/certify.js', () => ({
  certify: async (): Promise<never> => { throw new TypeError('boom\n    at somewhere (file.ts:1:1)'); },
}));

const { runCli } = await import('../../src/cli/runCli.js');

describe('runCli internal errors', () => {
  it('an unexpected error exits with status 1 and one line on stderr, no stack trace', async () => {
    let err = '';
    let out = '';
    const code = await runCli(['certify', 'examples/models/mlp/model.json'], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('lipkit: internal error: TypeError: boom\n');
  });
});
