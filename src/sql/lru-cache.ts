// A small LRU on Map's insertion order: a hit moves the key to the back, an insert past
// capacity evicts from the front. Enough for "a repeated statement costs a hash lookup".
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  resize(capacity: number): void {
    this.capacity = capacity;
    while (this.map.size > Math.max(0, capacity)) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
