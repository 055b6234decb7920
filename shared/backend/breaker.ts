/**
 * A circuit breaker per backend model endpoint: after `failures` consecutive
 * failures it opens and the edge stops calling for `cooldownMs` (callers get
 * an immediate 503, captions their edge fallback); then one probe request is
 * let through (half-open): success closes it, failure opens it again.
 *
 * State lives in this isolate's memory. Workers run many isolates across
 * many locations, so each one learns about a failing backend on its own (up
 * to `failures` calls each) and forgets when the isolate is evicted. That is
 * the usual trade: no shared store on the hot path. A Durable Object could
 * share the state if a backend's per-call cost ever made that worth it.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  failures: number;
  cooldownMs: number;
}

export interface BreakerSnapshot {
  state: CircuitState;
  consecutive_failures: number;
  calls: number;
  failures: number;
  last_outcome?: string;
  last_latency_ms?: number;
  /** Milliseconds until a probe is let through, while open. */
  retry_in_ms?: number;
}

export type Admission = { admitted: true; probe: boolean } | { admitted: false; retryInMs: number };

export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private probing = false;
  private calls = 0;
  private failed = 0;
  private lastOutcome: string | undefined;
  private lastLatencyMs: number | undefined;

  constructor(private policy: BreakerPolicy) {}

  /** Policies come from vars read per request; the latest one applies. */
  setPolicy(policy: BreakerPolicy): void {
    this.policy = policy;
  }

  state(now = Date.now()): CircuitState {
    if (this.consecutive < this.policy.failures) return 'closed';
    return now < this.openUntil ? 'open' : 'half-open';
  }

  admit(now = Date.now()): Admission {
    const state = this.state(now);
    if (state === 'closed') return { admitted: true, probe: false };
    if (state === 'open') return { admitted: false, retryInMs: this.openUntil - now };
    // Half-open: one probe at a time; the others wait for its verdict.
    if (this.probing) return { admitted: false, retryInMs: Math.min(1000, this.policy.cooldownMs) };
    this.probing = true;
    return { admitted: true, probe: true };
  }

  record(outcome: string, latencyMs: number): void {
    this.calls++;
    this.lastOutcome = outcome;
    this.lastLatencyMs = Math.round(latencyMs);
  }

  success(): void {
    this.consecutive = 0;
    this.probing = false;
  }

  failure(now = Date.now()): void {
    this.failed++;
    this.consecutive++;
    this.probing = false;
    if (this.consecutive >= this.policy.failures) this.openUntil = now + this.policy.cooldownMs;
  }

  /** The attempt ended in a way that says nothing about health (a loading model): free the probe slot. */
  neutral(): void {
    this.probing = false;
  }

  snapshot(now = Date.now()): BreakerSnapshot {
    const state = this.state(now);
    return {
      state,
      consecutive_failures: this.consecutive,
      calls: this.calls,
      failures: this.failed,
      ...(this.lastOutcome ? { last_outcome: this.lastOutcome } : {}),
      ...(this.lastLatencyMs !== undefined ? { last_latency_ms: this.lastLatencyMs } : {}),
      ...(state === 'open' ? { retry_in_ms: this.openUntil - now } : {}),
    };
  }
}

/** Per isolate: one breaker per `<source> <endpoint>`. */
const breakers = new Map<string, CircuitBreaker>();

export function breakerFor(key: string, policy: BreakerPolicy): CircuitBreaker {
  let breaker = breakers.get(key);
  if (!breaker) {
    breaker = new CircuitBreaker(policy);
    breakers.set(key, breaker);
  } else {
    breaker.setPolicy(policy);
  }
  return breaker;
}

/** This isolate's view of a backend, for GET /v1/models (undefined before its first call here). */
export function breakerSnapshot(key: string): BreakerSnapshot | undefined {
  return breakers.get(key)?.snapshot();
}
