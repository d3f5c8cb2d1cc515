import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a Direct Line token grants: one conversation, as one user, until it expires. */
export interface TokenClaims {
  conv: string;
  user: string;
  /** Seconds since the epoch, as in any JWT. */
  iat: number;
  exp: number;
  /** Set on a stream token: it opens the conversation's stream once and is good for nothing else. */
  scope?: 'stream';
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * Direct Line tokens as HS256 JWTs, like Azure's: the official client reads the user id from the token's
 * `user` claim, and a signature means the server keeps no token table. The key is
 * EKEY_DIRECTLINE_SECRET, or random per start (tokens then end with the process).
 */
export class TokenSigner {
  private readonly key: Buffer;

  constructor(
    secret: string | undefined,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  sign(conv: string, user: string): string {
    const iat = Math.floor(this.now() / 1000);
    return this.signClaims({ conv, user, iat, exp: iat + this.ttlSeconds });
  }

  /** A short-lived token for the stream URL only, as Azure's `?t=`: a URL ends up in logs and histories. */
  signStream(conv: string, user: string, ttlSeconds: number): string {
    const iat = Math.floor(this.now() / 1000);
    return this.signClaims({ conv, user, iat, exp: iat + ttlSeconds, scope: 'stream' });
  }

  private signClaims(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${HEADER}.${payload}.${this.mac(`${HEADER}.${payload}`)}`;
  }

  /**
   * The claims of a token signed here, not expired and of the scope asked for (a conversation token by
   * default, which a stream token is not); otherwise why not.
   */
  verify(token: string, scope?: 'stream'): { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'scope' } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'malformed' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof claims.conv !== 'string' || typeof claims.user !== 'string' || typeof claims.exp !== 'number') return { ok: false, reason: 'malformed' };
    if (claims.scope !== scope) return { ok: false, reason: 'scope' };
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
