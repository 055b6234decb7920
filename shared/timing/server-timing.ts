/**
 * Collects stage durations for the Server-Timing header. In production
 * `performance.now()` only advances across I/O, so pure-CPU stages read 0
 * there; locally they are real. Repeated stages add up.
 */
export class ServerTiming {
  private readonly stages = new Map<string, { ms: number; desc?: string }>();

  async measure<T>(stage: string, work: () => Promise<T> | T, desc?: string): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - start, desc);
    }
  }

  add(stage: string, ms: number, desc?: string): void {
    const previous = this.stages.get(stage);
    this.stages.set(stage, { ms: (previous?.ms ?? 0) + ms, desc: desc ?? previous?.desc });
  }

  header(): string {
    return [...this.stages]
      .map(([name, { ms, desc }]) => `${name};dur=${ms.toFixed(1)}${desc ? `;desc="${desc}"` : ''}`)
      .join(', ');
  }
}
