import { waitUntil } from 'cloudflare:workers';

/**
 * Keeps the request that started a load shared by later requests (a model, a
 * tokenizer, a tag index) alive until the load settles. workerd cancels a
 * request's unfinished I/O once it has answered, say 422 for an image that
 * failed to decode while the model loaded beside it; a load cut off that way
 * never settles and would hang every later request that waits on it (found by
 * the fuzzer: test/fuzz/crashers/cold-model-decode-fails-grey.bin).
 */
export function outliveRequest(load: Promise<unknown>): void {
  waitUntil(load.catch(() => undefined));
}
