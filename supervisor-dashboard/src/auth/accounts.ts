/**
 * The dashboard's local accounts, from config. With none configured the embedded defaults exist (admin and
 * supervisor, password `callgate`) and the server says so at start; production mode refuses to start then, or
 * while any account still uses the default password.
 */
import { DEFAULT_DASHBOARD_PASSWORD, type DashboardConfig } from '@callgate/contracts';
import type { Role } from '../api/types.js';
import { hashPassword, verifyPassword } from './passwords.js';

export interface Account {
  username: string;
  role: Role;
  passwordHash: string;
  /** uses the embedded default password */
  isDefault: boolean;
}

export class AccountConfigError extends Error {}

/** a hash of nothing anyone can type, so unknown users cost as much as known ones (no user enumeration by timing) */
let decoyHash: Promise<string> | undefined;

export class Accounts {
  private constructor(private readonly byName: Map<string, Account>) {}

  static async fromConfig(config: DashboardConfig, env: NodeJS.ProcessEnv = process.env): Promise<Accounts> {
    const accounts = new Map<string, Account>();
    const users = config.users.length
      ? config.users
      : [
          { username: 'admin', role: 'admin' as const, password: DEFAULT_DASHBOARD_PASSWORD },
          { username: 'supervisor', role: 'supervisor' as const, password: DEFAULT_DASHBOARD_PASSWORD },
        ];
    for (const [i, u] of users.entries()) {
      if (accounts.has(u.username)) throw new AccountConfigError(`dashboard.users.${i}.username: '${u.username}' is listed twice`);
      const plain = u.password === undefined ? undefined : resolveEnv(u.password, `dashboard.users.${i}.password`, env);
      const passwordHash = u.passwordHash ?? (await hashPassword(plain!));
      const isDefault = plain === DEFAULT_DASHBOARD_PASSWORD || (await verifyPassword(DEFAULT_DASHBOARD_PASSWORD, passwordHash));
      accounts.set(u.username, { username: u.username, role: u.role, passwordHash, isDefault });
    }
    if (config.production) {
      if (config.users.length === 0) throw new AccountConfigError('dashboard.users: production mode needs configured accounts (the embedded defaults are refused)');
      const weak = [...accounts.values()].filter((a) => a.isDefault).map((a) => a.username);
      if (weak.length) throw new AccountConfigError(`dashboard.users: production mode refuses the default password (accounts: ${weak.join(', ')})`);
    }
    return new Accounts(accounts);
  }

  /** the account when the password is right; undefined otherwise (same cost for unknown users) */
  async verify(username: string, password: string): Promise<Account | undefined> {
    const account = this.byName.get(username);
    if (!account) {
      decoyHash ??= hashPassword('\u0000decoy\u0000');
      await verifyPassword(password, await decoyHash);
      return undefined;
    }
    return (await verifyPassword(password, account.passwordHash)) ? account : undefined;
  }

  get(username: string): Account | undefined {
    return this.byName.get(username);
  }

  list(): Account[] {
    return [...this.byName.values()];
  }

  usingDefaults(): Account[] {
    return this.list().filter((a) => a.isDefault);
  }
}

function resolveEnv(value: string, field: string, env: NodeJS.ProcessEnv): string {
  const m = /^\$\{([A-Z0-9_]+)\}$/.exec(value);
  if (!m) return value;
  const v = env[m[1]!];
  if (!v) throw new AccountConfigError(`${field}: environment variable ${m[1]} is not set`);
  return v;
}
