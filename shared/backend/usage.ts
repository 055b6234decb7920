/**
 * Usage accounting: one structured log line per backend call attempt (and per
 * call the circuit breaker refused), for Workers Logs / Logpush to sum cost,
 * latency and error rates. Never the token, the image or the endpoint's path.
 */
export interface BackendCallLog {
  backend: string;
  model: string;
  task: string;
  /** ok, or a FailureOutcome. */
  outcome: string;
  attempt: number;
  latency_ms: number;
  status?: number;
  /** Host of the endpoint (or "router", "binding"). */
  host: string;
  /** Bytes of image sent. */
  bytes_in: number;
}

export function logBackendCall(entry: BackendCallLog): void {
  console.log(JSON.stringify({ event: 'backend_call', ...entry }));
}
