import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.js';

export const ROLES = ['agent', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

/** A name an agent signs in with and is shown by: letters, digits, dot, dash, underscore; 1 to 40 of them. */
export const AGENT_NAME = /^[\p{L}\p{N}._-]{1,40}$/u;

export const AgentRecord = z.strictObject({
  name: z.string().regex(AGENT_NAME),
  role: z.enum(ROLES),
  passwordHash: z.string().min(1),
  disabled: z.boolean().optional(),
  createdAt: z.string(),
  /** Changes with every new password or disabling: sessions opened before it end. */
  changedAt: z.string(),
});
export type AgentRecord = z.infer<typeof AgentRecord>;

const AgentsFile = z.strictObject({ format: z.literal(1), agents: z.array(AgentRecord) });

/** Where agent accounts live; small, so that a PostgreSQL backend can take the file's place. */
export interface AgentStore {
  get(name: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  /** Stores a new account; false when one of that name exists (two created at once: one wins). */
  create(record: AgentRecord): Promise<boolean>;
  /** Stores the record whole (a change to an account). */
  put(record: AgentRecord): Promise<void>;
}

export class AgentFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`agent accounts file ${file}: ${reason} (left as it is: repair it or move it away)`);
    this.name = 'AgentFileError';
  }
}

/**
 * EKEY_DATA_DIR/agents.json (0600), written atomically. Read again on every call: the CLI changes it while
 * the service runs, and a disabled account must stop working at once. A damaged file is refused, never overwritten.
 */
export class FileAgentStore implements AgentStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'agents.json');
  }

  private read(): AgentRecord[] {
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new AgentFileError(this.file, `not valid JSON (${(err as Error).message})`);
    }
    const parsed = AgentsFile.safeParse(json);
    if (!parsed.success) throw new AgentFileError(this.file, parsed.error.issues[0]?.message ?? 'invalid');
    return parsed.data.agents;
  }

  async get(name: string): Promise<AgentRecord | undefined> {
    return this.read().find((a) => a.name === name);
  }

  async list(): Promise<AgentRecord[]> {
    return this.read();
  }

  /** The CLI is the only writer of the file: a check then a write is enough. */
  async create(record: AgentRecord): Promise<boolean> {
    if (await this.get(record.name)) return false;
    await this.put(record);
    return true;
  }

  async put(record: AgentRecord): Promise<void> {
    const agents = this.read().filter((a) => a.name !== record.name);
    agents.push(AgentRecord.parse(record));
    agents.sort((a, b) => a.name.localeCompare(b.name));
    await writeFileAtomic(this.file, `${JSON.stringify({ format: 1, agents }, null, 2)}\n`);
  }
}

export class MemoryAgentStore implements AgentStore {
  private readonly agents = new Map<string, AgentRecord>();
  async get(name: string) {
    const a = this.agents.get(name);
    return a ? { ...a } : undefined;
  }
  async list() {
    return [...this.agents.values()].map((a) => ({ ...a }));
  }
  async create(record: AgentRecord) {
    if (this.agents.has(record.name)) return false;
    await this.put(record);
    return true;
  }
  async put(record: AgentRecord) {
    this.agents.set(record.name, AgentRecord.parse(record));
  }
}
