import { type AgentRecord, type AgentStore, AGENT_NAME, type Role } from './agent-store.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

export class AccountError extends Error {
  constructor(
    readonly code: 'badName' | 'exists' | 'unknown' | 'weakPassword',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

export const MIN_PASSWORD = 10;

/** The helpdesk's accounts: add, disable, reset, and check a password. */
export class Accounts {
  constructor(
    readonly store: AgentStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private checkPassword(password: string): void {
    if ([...password].length < MIN_PASSWORD) throw new AccountError('weakPassword', `the password must have at least ${MIN_PASSWORD} characters`);
  }

  async add(name: string, role: Role, password: string): Promise<AgentRecord> {
    if (!AGENT_NAME.test(name)) throw new AccountError('badName', 'a name is 1 to 40 letters, digits, ".", "-" or "_"');
    if (await this.store.get(name)) throw new AccountError('exists', `an account "${name}" exists already`);
    this.checkPassword(password);
    const at = this.now().toISOString();
    const record: AgentRecord = { name, role, passwordHash: await hashPassword(password), createdAt: at, changedAt: at };
    if (!(await this.store.create(record))) throw new AccountError('exists', `an account "${name}" exists already`);
    return record;
  }

  private async require(name: string): Promise<AgentRecord> {
    const a = await this.store.get(name);
    if (!a) throw new AccountError('unknown', `no account "${name}"`);
    return a;
  }

  async disable(name: string): Promise<void> {
    const a = await this.require(name);
    await this.store.put({ ...a, disabled: true, changedAt: this.now().toISOString() });
  }

  /** A new password; enables the account again and ends its sessions. */
  async reset(name: string, password: string): Promise<void> {
    const a = await this.require(name);
    this.checkPassword(password);
    const { disabled: _enabledAgain, ...rest } = a;
    await this.store.put({ ...rest, passwordHash: await hashPassword(password), changedAt: this.now().toISOString() });
  }

  /** The account if the name and password match and it is not disabled; an unknown name costs the same time. */
  async authenticate(name: string, password: string): Promise<AgentRecord | undefined> {
    const a = await this.store.get(name);
    const ok = await verifyPassword(password, a?.passwordHash ?? (await decoyHash()));
    return a && ok && !a.disabled ? a : undefined;
  }
}
