/** A piece of work waiting for its batch, and how to answer its caller. */
export interface Pending<I, O> {
  item: I;
  resolve(result: O): void;
  reject(err: Error): void;
}

/**
 * Work gathered while the batch before it is under way, and sent as the next batch: idle, a piece goes
 * at once (with whatever arrived in the same turn of the event loop); under load one round trip serves
 * every caller that came meanwhile. One batch at a time: `send` answers each piece of its batch, and a
 * throw rejects those it did not.
 */
export class Batches<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private running = false;

  constructor(
    private readonly send: (batch: Pending<I, O>[]) => Promise<void>,
    private readonly max = 200,
  ) {}

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => this.requeue({ item, resolve, reject }));
  }

  /** Puts a piece (back) in the queue, for the next batch. */
  requeue(pending: Pending<I, O>): void {
    this.queue.push(pending);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    setImmediate(() => {
      const batch = this.queue.splice(0, this.max);
      void this.send(batch)
        .catch((err: Error) => {
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          this.running = false;
          this.schedule();
        });
    });
  }
}
