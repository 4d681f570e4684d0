import { BnValueError, describeValue } from '@bnkit/core';

/** What the cache holds: anything with an async `release()` (an ONNX Runtime `InferenceSession`). */
export interface Releasable {
  release(): Promise<void>;
}

interface Entry<S extends Releasable> {
  readonly session: Promise<S>;
  /** Calls running on the session now; an evicted session is released when this drops to 0. */
  users: number;
  evicted: boolean;
}

/**
 * A least-recently-used cache of sessions with a bound. A session is built once per key; when a
 * new key would exceed the bound, the least recently used session is evicted and released as
 * soon as no call is running on it (never under a running call). A session whose build fails is
 * not cached, so the next call tries again.
 */
export class SessionCache<S extends Releasable> {
  /** The most sessions held at once. */
  readonly bound: number;
  private readonly entries = new Map<string, Entry<S>>();
  private readonly releasing = new Set<Promise<void>>();
  private releaseError: unknown;

  /** @throws BnValueError when `bound` is not an integer >= 1. */
  constructor(bound: number, argument = 'cacheSize') {
    if (!Number.isInteger(bound) || bound < 1) throw new BnValueError(argument, 'an integer >= 1', describeValue(bound));
    this.bound = bound;
  }

  /** The number of sessions cached now (at most `bound`). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `use` on the session of `key`, building it with `build` on a miss.
   * @throws whatever `build` or `use` throws.
   */
  async use<T>(key: string, build: () => Promise<S>, use: (session: S) => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { session: build(), users: 0, evicted: false };
      const built = entry;
      built.session.catch(() => {
        if (this.entries.get(key) === built) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    entry.users++;
    this.evictOverflow();
    try {
      return await use(await entry.session);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) this.release(entry);
    }
  }

  /**
   * Evicts every session and waits until every release has finished; a session still in use is
   * released when its call ends.
   * @throws the first error a release raised since the last `clear`.
   */
  async clear(): Promise<void> {
    for (const entry of this.entries.values()) this.evict(entry);
    this.entries.clear();
    while (this.releasing.size > 0) await Promise.all([...this.releasing]);
    const error = this.releaseError;
    this.releaseError = undefined;
    if (error !== undefined) throw error;
  }

  private evictOverflow(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.bound) return;
      this.entries.delete(key);
      this.evict(entry);
    }
  }

  private evict(entry: Entry<S>): void {
    entry.evicted = true;
    if (entry.users === 0) this.release(entry);
  }

  private release(entry: Entry<S>): void {
    // A session that failed to build has nothing to release; its error went to its caller.
    const done = entry.session.then(
      (session) => session.release(),
      () => undefined,
    ).catch((error: unknown) => {
      // Kept for `clear` to report: an eviction has no caller to throw to.
      this.releaseError ??= error;
    });
    const tracked = done.finally(() => this.releasing.delete(tracked));
    this.releasing.add(tracked);
  }
}
