import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The workerd model tests compare against test/golden/*.json; this keeps
// those files equal to a fresh native onnxruntime-node run on the current
// models and preprocessing, so a changed model or preprocessing step cannot
// leave stale references behind.
describe('golden reference outputs', () => {
  it('equal a fresh onnxruntime-node run', () => {
    const script = fileURLToPath(new URL('./make-golden.ts', import.meta.url));
    expect(() =>
      execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', script, '--check'], { encoding: 'utf8', stdio: 'pipe' }),
    ).not.toThrow();
  });
});
