import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Journal, type JournalRecovery } from '../storage/journal.js';
import { Recent } from '../understand/recent.js';
import type { ConversationState } from './state.js';

/** Where conversations are kept between turns; one conversation never sees another's state. */
export interface ConversationStore {
  /** A copy of its own to the caller, which may change it: the turn does, in place. */
  get(key: string): Promise<ConversationState | undefined>;
  set(key: string, state: ConversationState): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forgets conversations past their time to live; returns how many. */
  sweep?(): Promise<number>;
  /**
   * Runs one turn of the conversation `key` alone among every instance sharing the store (a database);
   * within one process the conversation's queue already does, so a store of one process need not.
   */
  exclusive?<T>(key: string, turn: () => Promise<T>): Promise<T>;
  /** Puts what was written on the disk and lets go of the files. */
  close?(): Promise<void>;
}

/** The ids of the conversations seen last: a turn asks for its conversation's several times. */
const ids = new Map<string, string>();
const IDS_KEPT = 4096;

/** What a conversation is stored under: channel keys (user ids, openids) are never written as they are. */
export function conversationId(key: string): string {
  let id = ids.get(key);
  if (id === undefined) {
    id = createHash('sha256').update(key).digest('hex').slice(0, 40);
    if (ids.size >= IDS_KEPT) ids.delete(ids.keys().next().value as string);
    ids.set(key, id);
  }
  return id;
}

/** A conversation file of the earlier layout, one per conversation. */
interface LegacyFile {
  savedAt: number;
  state: ConversationState;
}

/** What opening the store found, for the log. */
export interface ConversationStoreRecovery extends JournalRecovery {
  /** Conversations moved from the earlier one-file-per-conversation layout. */
  migrated: number;
}

/**
 * The conversations in one journal under EKEY_DATA_DIR/conversations (src/storage/journal.ts): a turn
 * appends its conversation's new state, so a restart loses nothing and a turn costs one append of a few
 * microseconds rather than a file written and renamed. A conversation silent for longer than the time to live is forgotten.
 * Keys are hashed: they come from channels (user ids, openids) and are never written as they are.
 */
export class FileConversationStore implements ConversationStore {
  private readonly dir: string;
  /** Recently used conversations as their JSON text: a tenth of the memory of live objects. */
  private readonly cache = new Map<string, string>();
  private opened?: Promise<{ journal: Journal; recovery: ConversationStoreRecovery }>;

  constructor(
    dataDir: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly cacheLimit = 2_000,
  ) {
    this.dir = join(dataDir, 'conversations');
    this.ids = new Recent(cacheLimit);
  }

  /** Opens the journal (once; every other call waits for it) and moves conversations of the earlier layout into it. */
  open(): Promise<ConversationStoreRecovery> {
    return this.journal().then((j) => j.recovery);
  }

  private journal() {
    this.opened ??= (async () => {
      const { journal, recovery } = await Journal.open(join(this.dir, 'journal.jsonl'), { ttlMs: this.ttlMs, now: this.now });
      return { journal, recovery: { ...recovery, migrated: await this.migrate(journal) } };
    })();
    return this.opened;
  }

  private async migrate(journal: Journal): Promise<number> {
    const names = (await readdir(this.dir)).filter((n) => /^[0-9a-f]{40}\.json$/.test(n));
    let moved = 0;
    for (const name of names) {
      const file = join(this.dir, name);
      const stored = JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as LegacyFile | null;
      const key = name.slice(0, -'.json'.length);
      if (stored?.state && typeof stored.savedAt === 'number' && !journal.has(key)) {
        journal.set(key, JSON.stringify(stored.state), stored.savedAt);
        moved += 1;
      }
    }
    // The files go only once the journal holding them is on the disk.
    journal.sync();
    for (const name of names) await rm(join(this.dir, name), { force: true });
    return moved;
  }

  /** Each turn hashes its key twice (get, set): the hashes of recent keys are kept. */
  private readonly ids: Recent<string, string>;

  private id(key: string): string {
    return this.ids.get(key, conversationId);
  }

  async get(key: string): Promise<ConversationState | undefined> {
    const id = this.id(key);
    const { journal } = await this.journal();
    if (!journal.has(id)) {
      this.cache.delete(id);
      return undefined;
    }
    const text = this.cache.get(id);
    if (text !== undefined) return JSON.parse(text) as ConversationState;
    try {
      return journal.get<ConversationState>(id);
    } catch {
      return undefined;
    }
  }

  async set(key: string, state: ConversationState): Promise<void> {
    const id = this.id(key);
    const text = JSON.stringify(state);
    const { journal } = await this.journal();
    // The turn waits for the append, so a full disk is told to the user rather than found out later.
    journal.set(id, text);
    this.cache.delete(id);
    this.cache.set(id, text);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as string);
  }

  async delete(key: string): Promise<void> {
    const id = this.id(key);
    this.cache.delete(id);
    (await this.journal()).journal.delete(id);
  }

  async sweep(): Promise<number> {
    const { journal } = await this.journal();
    const removed = await journal.sweep();
    for (const id of this.cache.keys()) if (!journal.has(id)) this.cache.delete(id);
    return removed;
  }

  async close(): Promise<void> {
    if (this.opened) await (await this.opened).journal.close();
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
