import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.js';
import type { ConversationState } from './state.js';

/** Where conversations are kept between turns; one conversation never sees another's state. */
export interface ConversationStore {
  get(key: string): Promise<ConversationState | undefined>;
  set(key: string, state: ConversationState): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Stored {
  savedAt: number;
  state: ConversationState;
}

/**
 * One small file per conversation under EKEY_DATA_DIR/conversations, written atomically, so a turn
 * writes only its own conversation and a restart loses nothing. A conversation silent for longer than
 * the time to live is forgotten. Keys are hashed: they come from channels (user ids, openids) and must
 * never become paths.
 */
export class FileConversationStore implements ConversationStore {
  private readonly dir: string;
  /** Recently used conversations as their JSON text: a tenth of the memory of live objects. */
  private readonly cache = new Map<string, string>();

  constructor(dataDir: string, private readonly ttlMs: number, private readonly now: () => number = Date.now, private readonly cacheLimit = 2_000) {
    this.dir = join(dataDir, 'conversations');
  }

  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }

  async get(key: string): Promise<ConversationState | undefined> {
    let stored: Stored;
    try {
      stored = JSON.parse(this.cache.get(key) ?? (await readFile(this.file(key), 'utf8'))) as Stored;
    } catch {
      return undefined;
    }
    if (this.now() - stored.savedAt > this.ttlMs) {
      await this.delete(key);
      return undefined;
    }
    return stored.state;
  }

  async set(key: string, state: ConversationState): Promise<void> {
    const text = JSON.stringify({ savedAt: this.now(), state } satisfies Stored);
    // A conversation is cheap to lose in a power cut and written every turn: no fsync on the hot path.
    // The turn waits for the write, so a full disk is told to the user rather than found out later.
    await writeFileAtomic(this.file(key), text, { sync: false });
    this.cache.delete(key);
    this.cache.set(key, text);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as string);
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await rm(this.file(key), { force: true });
  }

  /** Removes the files of conversations past their time to live; returns how many. */
  async sweep(): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && this.now() - info.mtimeMs > this.ttlMs) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    for (const [key, text] of this.cache) if (this.now() - (JSON.parse(text) as Stored).savedAt > this.ttlMs) this.cache.delete(key);
    return removed;
  }
}

export class MemoryConversationStore implements ConversationStore {
  private readonly map = new Map<string, ConversationState>();
  async get(key: string) {
    const s = this.map.get(key);
    return s && structuredClone(s);
  }
  async set(key: string, state: ConversationState) {
    this.map.set(key, structuredClone(state));
  }
  async delete(key: string) {
    this.map.delete(key);
  }
}
