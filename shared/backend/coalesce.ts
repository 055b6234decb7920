/**
 * Concurrent requests for the same cache key share one backend call: the
 * first starts it, the others await the same promise.
 *
 * Limits: the map lives in one isolate, so requests that land on other
 * isolates or locations make their own calls (the KV cache then serves later
 * ones); the followers share the leader's budget and outcome (a failure
 * reaches them all, and nothing is cached); an entry lives only while its
 * call is in flight.
 */
const inFlight = new Map<string, Promise<unknown>>();

export function coalesce<T>(key: string, start: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
  const existing = inFlight.get(key) as Promise<T> | undefined;
  if (existing) return { promise: existing, leader: false };
  const promise = start().finally(() => inFlight.delete(key));
  inFlight.set(key, promise);
  // Followers may have stopped waiting (their own budget ended): never an unhandled rejection.
  promise.catch(() => {});
  return { promise, leader: true };
}

export function inFlightCount(): number {
  return inFlight.size;
}
