import { describe, expect, it } from 'vitest';
import { readBackendConfig, type AiBinding } from './config.ts';
import { BackendFailure } from './failure.ts';
import { workersAiBackend } from './workers-ai.ts';

/**
 * The Workers AI adapter against a stand-in binding that answers the
 * documented shapes: the real binding needs a Cloudflare account and network,
 * which the tests do not have. What is checked is the adapter's mapping and
 * validation, not a model.
 */
class RecordingAi implements AiBinding {
  calls: Array<[string, Record<string, unknown>]> = [];
  constructor(private readonly answer: (model: string) => unknown) {}
  async run(model: string, inputs: Record<string, unknown>) {
    this.calls.push([model, inputs]);
    return this.answer(model);
  }
}

const image = { bytes: new Uint8Array([0xff, 0xd8, 1, 2, 3]), mime: 'image/jpeg', width: 100, height: 80 };
const signal = () => AbortSignal.timeout(1000);

describe('Workers AI backend', () => {
  it('runs DETR and a vision model with the documented inputs and validates their answers', async () => {
    const ai = new RecordingAi((model) =>
      model.includes('detr') ? [{ label: 'cat', score: 0.9, box: { xmin: 1, ymin: 2, xmax: 50, ymax: 60 } }] : { description: ' A cat on a mat. ' },
    );
    const backend = workersAiBackend(readBackendConfig({ BACKEND: 'workers-ai', AI: ai }));
    expect(backend.model('detect')).toMatchObject({ source: 'workers-ai:@cf/facebook/detr-resnet-50', prompted: false });
    expect(await backend.detect(image, signal())).toEqual([{ label: 'cat', score: 0.9, box: { xmin: 1, ymin: 2, xmax: 50, ymax: 60 } }]);
    expect(ai.calls[0]).toEqual(['@cf/facebook/detr-resnet-50', { image: [0xff, 0xd8, 1, 2, 3] }]);
    expect(await backend.caption(image, { style: 'alt', lang: 'fr' }, signal())).toEqual({ text: 'A cat on a mat.', lang: 'fr' });
    expect(String(ai.calls[1]![1].prompt)).toContain('"fr"');
    expect(await backend.vqa(image, { question: 'What animal?', topK: 3 }, signal())).toEqual([{ answer: 'A cat on a mat.', score: null }]);
  });

  it('turns bad answers and binding errors into backend failures', async () => {
    const bad = workersAiBackend(readBackendConfig({ BACKEND: 'workers-ai', AI: new RecordingAi(() => ({ text: 'x' })) }));
    await expect(bad.caption(image, { style: 'alt', lang: 'en' }, signal())).rejects.toMatchObject({ outcome: 'malformed' });
    const throwing = workersAiBackend(readBackendConfig({ BACKEND: 'workers-ai', AI: { run: async () => { throw new Error('3040: Capacity temporarily exceeded'); } } }));
    await expect(throwing.detect(image, signal())).rejects.toMatchObject({ outcome: 'unavailable' });
    const none = workersAiBackend(readBackendConfig({ BACKEND: 'workers-ai' }));
    expect(none.model('caption')).toBeUndefined();
    await expect(none.detect(image, signal())).rejects.toBeInstanceOf(BackendFailure);
  });
});
