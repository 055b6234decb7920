/**
 * Gathers the cache misses of a batch so they can be computed together. Each
 * of the `expected` items either asks to be computed (`compute`) or settles
 * without computing (`skip`: a cache hit, or a failure before computing).
 * Once every item has done one or the other, `computeAll` gets the misses;
 * it settles each one through the callback as soon as that one is done, so a
 * finished item's image can be released before the next is decoded.
 */
export type Settle<R> = (index: number, outcome: { ok: true; value: R } | { ok: false; error: unknown }) => void;

export interface MissGatherer<I, R> {
  compute(item: I): Promise<R>;
  skip(): void;
}

export function gatherMisses<I, R>(expected: number, computeAll: (items: I[], settle: Settle<R>) => Promise<void>): MissGatherer<I, R> {
  let waiting = expected;
  const asked: Array<{ item: I; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  const arrive = () => {
    waiting--;
    if (waiting > 0 || asked.length === 0) return;
    const batch: Array<(typeof asked)[number] | undefined> = asked.splice(0);
    const items = batch.map((entry) => entry!.item);
    const settle: Settle<R> = (index, outcome) => {
      const entry = batch[index];
      if (!entry) return;
      // Drop this item's references here: its image can be collected once its request part is done.
      batch[index] = undefined;
      (items as Array<I | undefined>)[index] = undefined;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    };
    computeAll(items, settle)
      .catch((error: unknown) => batch.forEach((_, index) => settle(index, { ok: false, error })))
      // Anything computeAll left unsettled must not hang its request.
      .finally(() => batch.forEach((_, index) => settle(index, { ok: false, error: new Error('batch item was never computed') })));
  };
  return {
    compute(item) {
      const promise = new Promise<R>((resolve, reject) => asked.push({ item, resolve, reject }));
      arrive();
      return promise;
    },
    skip: arrive,
  };
}
