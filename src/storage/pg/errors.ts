/**
 * Whether a statement failed only because of what another statement did at the same moment, and changed
 * nothing: a unique key another transaction took (23505: a case reference drawn twice), or a deadlock
 * PostgreSQL broke by rolling this statement back (40P01: two batches of new cases, on two instances,
 * waiting on each other's rows). Drawing again and storing again is then safe.
 */
export function collided(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === '40P01';
}
