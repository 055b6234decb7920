import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.ts';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, lets one probe through after the cool-down, closes on success', () => {
    const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 1000 });
    const t0 = 1_000_000;
    breaker.failure(t0);
    breaker.success();
    for (let i = 0; i < 2; i++) breaker.failure(t0);
    expect(breaker.state(t0)).toBe('closed');
    breaker.failure(t0);
    expect(breaker.state(t0 + 10)).toBe('open');
    expect(breaker.admit(t0 + 10)).toEqual({ admitted: false, retryInMs: 990 });
    expect(breaker.admit(t0 + 1000)).toEqual({ admitted: true, probe: true });
    expect(breaker.admit(t0 + 1001).admitted).toBe(false);
    breaker.success();
    expect(breaker.state(t0 + 1002)).toBe('closed');
  });

  it('reopens when the probe fails, and frees the probe slot on a neutral outcome', () => {
    const breaker = new CircuitBreaker({ failures: 1, cooldownMs: 100 });
    breaker.failure(0);
    expect(breaker.admit(100)).toEqual({ admitted: true, probe: true });
    breaker.neutral();
    expect(breaker.admit(101)).toEqual({ admitted: true, probe: true });
    breaker.failure(150);
    expect(breaker.state(200)).toBe('open');
    expect(breaker.snapshot(200)).toMatchObject({ state: 'open', failures: 2, retry_in_ms: 50 });
  });
});
