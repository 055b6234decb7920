import { readAltTextConfig } from '../../shared/alt-text/config.ts';
import { consumeAltTextBatch } from '../../shared/alt-text/consumer.ts';
import { createAltTextApp, type AltTextBindings } from './app.ts';

// Routes only, no per-isolate state at module scope (see functions/api/index.ts).
const app = createAltTextApp();

export default {
  fetch: app.fetch,
  /** Images pages were served without alt: fetched from ORIGIN, captioned through VISION, written back per page. */
  async queue(batch: MessageBatch<unknown>, env: AltTextBindings): Promise<void> {
    await consumeAltTextBatch(batch, { kv: env.ALT_TEXT, vision: env.VISION, config: readAltTextConfig(env), apiKey: env.VISION_API_KEY });
  },
} satisfies ExportedHandler<AltTextBindings>;
