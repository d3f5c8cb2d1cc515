/**
 * Work run one piece at a time per key, in the order it was given; a piece that fails does not stop the
 * next. A key is forgotten once nothing waits behind its last piece, so the map holds only keys with work
 * under way.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = (this.tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.tails.set(key, mine);
    void mine
      .catch(() => undefined)
      .then(() => {
        if (this.tails.get(key) === mine) this.tails.delete(key);
      });
    return mine;
  }
}
