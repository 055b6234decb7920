import { analyzeImage, PermanentFailure, type AnalyzeDeps } from './analyze-image.ts';
import { decideAlt, needsAnalysis } from './decide.ts';
import { pageKey, pendingKey } from './keys.ts';
import { AltTextJob, type ImageAnalysis, type PageEntry, type PageRecord } from './model.ts';
import { readPageRecord } from './proxy.ts';

/**
 * The queue consumer: for each page job, the alt of every image it lists
 * (WAI decision tree, decide.ts), written into the page's record, which the
 * next view of the page reads. Within a batch an image is analysed once
 * however many pages list it; across batches the KV entries behind
 * analyzeImage make it once per content.
 *
 * A job whose analysis failed for a reason that may pass (API or origin
 * unavailable) is retried by the queue; an image that cannot be analysed
 * (gone, not an image) is recorded as such so views stop queueing it until
 * the page record expires.
 */
export async function consumeAltTextBatch(batch: MessageBatch<unknown>, deps: AnalyzeDeps): Promise<void> {
  console.log(JSON.stringify({ event: 'alt_batch', queue: batch.queue, messages: batch.messages.length }));
  const analyses = new Map<string, Promise<ImageAnalysis>>();
  const analysisOf = (src: string, publicOrigin: string, lang: string | undefined) => {
    const key = `${lang ?? '-'} ${src}`;
    let pending = analyses.get(key);
    if (!pending) {
      pending = analyzeImage(src, publicOrigin, lang, deps);
      analyses.set(key, pending);
    }
    return pending;
  };

  // Jobs for one page share one read-modify-write of its record (one KV write per page per batch).
  const byPage = new Map<string, { jobs: AltTextJob[]; messages: Message<unknown>[] }>();
  for (const message of batch.messages) {
    const parsed = AltTextJob.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ event: 'alt_job_invalid', id: message.id }));
      message.ack();
      continue;
    }
    const key = `${parsed.data.page} ${parsed.data.lang ?? '-'}`;
    const group = byPage.get(key) ?? { jobs: [], messages: [] };
    group.jobs.push(parsed.data);
    group.messages.push(message);
    byPage.set(key, group);
  }

  await Promise.all(
    [...byPage.values()].map(async ({ jobs, messages }) => {
      try {
        const entries: Record<string, PageEntry> = {};
        let retry = false;
        // One image after another: the API's models run one at a time per isolate anyway,
        // and parallel calls would only raise its peak memory.
        for (const job of jobs) {
          for (const occurrence of job.images) {
            await (async () => {
              let analysis: ImageAnalysis | undefined;
              if (needsAnalysis(occurrence)) {
                try {
                  analysis = await analysisOf(occurrence.src, job.publicOrigin, job.lang);
                } catch (error) {
                  if (!(error instanceof PermanentFailure)) {
                    retry = true;
                    console.warn(JSON.stringify({ event: 'alt_analysis_retry', src: occurrence.src, error: String(error).slice(0, 300) }));
                    return;
                  }
                  entries[occurrence.slot] = { src: occurrence.src, context: occurrence.context.kind, alt: null, reason: 'failed', source: 'none', detail: error.message.slice(0, 300) };
                  return;
                }
              }
              entries[occurrence.slot] = { src: occurrence.src, context: occurrence.context.kind, ...decideAlt(occurrence, analysis, job.publicOrigin) };
            })();
          }
        }
        const first = jobs[0]!;
        if (Object.keys(entries).length) await mergeIntoPage(deps, first.page, first.lang, entries);
        // The page may be queued again: its next view sends what is still missing.
        await deps.kv.delete(await pendingKey(first.page));
        for (const message of messages) {
          if (retry) message.retry({ delaySeconds: 10 });
          else message.ack();
        }
      } catch (error) {
        console.error(JSON.stringify({ event: 'alt_job_failed', error: String(error).slice(0, 300) }));
        for (const message of messages) message.retry({ delaySeconds: 10 });
      }
    }),
  );
}

async function mergeIntoPage(deps: AnalyzeDeps, page: string, lang: string | undefined, entries: Record<string, PageEntry>): Promise<void> {
  const current = await readPageRecord(deps.kv, page);
  // A record in another language is replaced: its alt no longer matches the page.
  const images = current && current.lang === lang ? { ...current.images, ...entries } : entries;
  const record: PageRecord = { page, ...(lang ? { lang } : {}), updated: new Date().toISOString(), images };
  await deps.kv.put(await pageKey(page), JSON.stringify(record), { expirationTtl: deps.config.pageTtlSeconds });
}
