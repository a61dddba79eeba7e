/**
 * One promise chain for every application call from every connection. The application is
 * synchronous except `commit()`; chaining makes each call start only after the previous one
 * (including an awaited commit's durable write) has finished, which is the guarantee CometBFT's
 * own Go socket server gives with its global mutex.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(job: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const p = this.tail.then(job).finally(() => {
      this.pending--;
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves once everything queued so far has settled. */
  async idle(): Promise<void> {
    for (;;) {
      const t = this.tail;
      await t;
      if (t === this.tail) return;
    }
  }
}
