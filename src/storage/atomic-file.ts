import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that a reader (or a restart after a crash) sees either the old content or the new,
 * never half of it: write a temporary file beside it, fsync, rename over. Without `sync` the file still
 * survives a killed process (the kernel keeps it), only not a power cut: for data cheap to lose.
 */
export async function writeFileAtomic(path: string, content: string, options: { sync?: boolean } = {}): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // The folder nearly always exists: create it only when the first open says it does not.
  const handle = await open(tmp, 'w').catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    return open(tmp, 'w');
  });
  try {
    try {
      await handle.writeFile(content, 'utf8');
      if (options.sync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // Also when the write itself failed: a half-written temporary file left by a full disk keeps it full.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
