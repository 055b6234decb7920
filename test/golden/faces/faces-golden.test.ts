import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Keeps test/golden/faces/*.json equal to a fresh onnxruntime-node run of the current models,
// preprocessing and face post-processing, and re-runs the generator's own checks (one face
// per portrait with sane keypoints, none on the person from behind or the animals, the small
// face in the large photo found where it was pasted).
describe('face detection golden outputs', () => {
  it('equal a fresh onnxruntime-node run and pass their checks', () => {
    const script = fileURLToPath(new URL('./make-faces-golden.ts', import.meta.url));
    expect(() =>
      execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', script, '--check'], { encoding: 'utf8', stdio: 'pipe' }),
    ).not.toThrow();
  });
});
