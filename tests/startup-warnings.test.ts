import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startService } from './service-process.js';

describe('start-up (issue 13, "Also")', () => {
  it("makes no deprecated process.binding call: no DEP0111 from restify's spdy/http-deceiver", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekey-warnings-'));
    const s = await startService(dir);
    try {
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(s.stderr()).not.toContain('DEP0111');
    expect(s.stderr()).not.toContain("process.binding('http_parser')");
  }, 90_000);
});
