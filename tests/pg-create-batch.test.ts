import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '../src/cases/case-schema.js';
import { CaseCreateBatch } from '../src/cases/pg-create-batch.js';
import type { Database } from '../src/storage/pg/database.js';

/** A database whose every statement fails with `code`, counting the statements it was sent. */
function failing(code: string) {
  const sent: unknown[][] = [];
  const db = {
    pool: {
      query: async (q: { values: unknown[] }) => {
        sent.push(q.values);
        throw Object.assign(new Error(`failed with ${code}`), { code });
      },
    },
  } as unknown as Database;
  return { db, sent };
}

const record = (reference: string) => ({ reference, createdAt: '2026-12-07T02:00:00.000Z', status: 'open', procedures: [], history: [] }) as unknown as CaseRecord;

describe('new cases stored in batches on PostgreSQL', () => {
  it('leaves the cases of a batch rolled back for a reference drawn twice or a deadlock to be stored one by one', async () => {
    for (const code of ['23505', '40P01']) {
      const { db, sent } = failing(code);
      const batch = new CaseCreateBatch(db, 3);
      const results = await Promise.all(['EK-20261207-BBBBBB', 'EK-20261207-AAAAAA'].map((r) => batch.add({ record: record(r), day: '2026-12-07', client: r })));
      expect(results).toEqual(['alone', 'alone']);
      expect(sent).toHaveLength(1);
      // The rows go in the order of their references, whatever order they came in.
      expect((JSON.parse(sent[0]![0] as string) as { reference: string }[]).map((r) => r.reference)).toEqual(['EK-20261207-AAAAAA', 'EK-20261207-BBBBBB']);
    }
  });

  it('fails the cases of a batch that failed for any other reason', async () => {
    const { db } = failing('53300');
    const batch = new CaseCreateBatch(db, 3);
    await expect(batch.add({ record: record('EK-20261207-CCCCCC'), day: '2026-12-07' })).rejects.toThrow('failed with 53300');
  });
});
