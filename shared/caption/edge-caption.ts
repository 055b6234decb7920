import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import type { AnyImageTask, TaskAnswer } from '../tasks/image-task.ts';
import { composeEdgeCaption, type EdgeCaption, type EdgeFindings } from './compose.ts';
import { answerOnce } from './request-memo.ts';

/**
 * The edge caption of an image: the same classify, detect and OCR tasks as
 * /v1/classify, /v1/detect and /v1/ocr (same code, same cache entries, default
 * parameters), composed into a sentence. The tasks are passed in by the
 * Worker that owns them, so this module depends on no route.
 */
export interface EdgeCaptionTasks {
  tags: AnyImageTask;
  objects: AnyImageTask;
  /** OCR; optional, and its failure only leaves text out of the caption. */
  text?: AnyImageTask;
}

export interface EdgeCaptionAnswer {
  caption: EdgeCaption;
  /** Every section came from the cache. */
  hit: boolean;
  /** `<id>@<version>` of each model that contributed. */
  models: string[];
}

export async function edgeCaption(c: Context<AppEnv>, image: IngestedImage, tasks: EdgeCaptionTasks): Promise<EdgeCaptionAnswer> {
  // OCR runs in its own Worker: start it first so it works while this isolate classifies and detects.
  const pendingText = tasks.text ? answerOnce(c, tasks.text, image, {}) : undefined;
  pendingText?.catch(() => {});
  // This isolate's models run one after another: concurrent sessions only raise peak memory.
  const tags = await answerOnce(c, tasks.tags, image, {});
  const objects = await answerOnce(c, tasks.objects, image, {});
  let text: TaskAnswer | undefined;
  try {
    text = await pendingText;
  } catch (error) {
    console.warn(JSON.stringify({ event: 'edge_caption_without_text', error: String(error).slice(0, 200) }));
  }
  const findings: EdgeFindings = {
    tags: (tags.body as { labels: EdgeFindings['tags'] }).labels,
    objects: (objects.body as { objects: EdgeFindings['objects'] }).objects,
    text: text ? (text.body as { lines: NonNullable<EdgeFindings['text']>['lines'] }) : undefined,
    width: image.info.width,
    height: image.info.height,
  };
  const sections = [tags, objects, ...(text ? [text] : [])];
  return { caption: composeEdgeCaption(findings), hit: sections.every((s) => s.hit), models: sections.map((s) => s.model) };
}
