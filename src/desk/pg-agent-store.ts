import type { Database } from '../storage/pg/database.js';
import { AgentRecord, type AgentStore } from './agent-store.js';

interface Row {
  name: string;
  role: AgentRecord['role'];
  password_hash: string;
  disabled: boolean;
  created_at: string;
  changed_at: string;
}

const COLUMNS = 'name, role, password_hash, disabled, created_at, changed_at';

const toRecord = (r: Row): AgentRecord => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  ...(r.disabled ? { disabled: true } : {}),
  createdAt: r.created_at,
  changedAt: r.changed_at,
});

/** Agent accounts in PostgreSQL (table `desk_agents`): read on every call, so a disabling on any instance counts at once on all. */
export class PgAgentStore implements AgentStore {
  constructor(private readonly db: Database) {}

  async get(name: string): Promise<AgentRecord | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM desk_agents WHERE name = $1`, [name]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(): Promise<AgentRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM desk_agents`);
    // Ordered as the file orders them, whatever the database's collation.
    return rows.map(toRecord).sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(record: AgentRecord): Promise<boolean> {
    const r = AgentRecord.parse(record);
    const { rowCount } = await this.db.query(`INSERT INTO desk_agents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`, this.values(r));
    return rowCount === 1;
  }

  async put(record: AgentRecord): Promise<void> {
    const r = AgentRecord.parse(record);
    await this.db.query(
      `INSERT INTO desk_agents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, disabled = EXCLUDED.disabled,
         created_at = EXCLUDED.created_at, changed_at = EXCLUDED.changed_at`,
      this.values(r),
    );
  }

  private values(r: AgentRecord): unknown[] {
    return [r.name, r.role, r.passwordHash, r.disabled === true, r.createdAt, r.changedAt];
  }
}
