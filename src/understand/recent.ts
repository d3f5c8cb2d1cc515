/**
 * The last results of a pure function of a text, kept in memory: the texts of a turn (its message, its
 * clauses, an outcome's card texts) are read or made several times over. Bounded: past `limit` the oldest
 * goes. A kept value is shared by every caller, which must not change it.
 */
export class Recent<K, V> {
  private readonly kept = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K, make: (key: K) => V): V {
    let value = this.kept.get(key);
    if (value === undefined) {
      value = make(key);
      if (this.kept.size >= this.limit) this.kept.delete(this.kept.keys().next().value as K);
      this.kept.set(key, value);
    }
    return value;
  }
}
