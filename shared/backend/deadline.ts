/**
 * The time budget of one request's backend work: every attempt, every wait
 * for a loading model and every retry come out of it, so a request never
 * outlives the budget however the backend behaves.
 */
export class Deadline {
  readonly startedAt: number;
  readonly endsAt: number;

  constructor(budgetMs: number, now = Date.now()) {
    this.startedAt = now;
    this.endsAt = now + budgetMs;
  }

  remaining(now = Date.now()): number {
    return Math.max(0, this.endsAt - now);
  }

  elapsed(now = Date.now()): number {
    return now - this.startedAt;
  }

  /** Aborts when the budget ends (for fetch and the HF client). */
  signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1, this.remaining()));
  }

  /** Settles with `work`, or rejects with `onExpired()` when the budget ends first. */
  async race<T>(work: Promise<T>, onExpired: () => Error): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onExpired()), Math.max(1, this.remaining()));
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
