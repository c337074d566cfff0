import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { createTestContext, type TestContext } from '../../../test/harness';
import { ledgerAccount, ledgerDocument, scheduledFor } from '../../../test/ledger-fixtures';
import { newId } from '../../lib/ids';
import { createDb } from '../../platform/db/db';
import { accounts } from '../accounts/accounts.table';
import { runDoctorCheck } from './doctor';
import { accountReconciliation } from './reconciliation.table';
import { findSummaryMismatches } from './summary';

let t: TestContext;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestContext();
  org = await createOrg(t.c);
});
afterAll(async () => t?.close());

const cli = (args: string[], env: Record<string, string>) => {
  const result = spawnSync(process.execPath, ['bin/recoup.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('happy', () => {
  it('RA1–RA3: the doctor finds tampered and missing summary rows, and --fix repairs them', async () => {
    const acc = await ledgerAccount(t.c, org.organizationId, 'Docteur');
    const invoice = await ledgerDocument(t.c, org.organizationId, acc, 'invoice', 5_000);
    await ledgerDocument(t.c, org.organizationId, acc, 'payment', 1_000);
    await scheduledFor(t.c, org.organizationId, acc, invoice.id, 2_000);
    const gone = await ledgerAccount(t.c, org.organizationId, 'Sans Ligne');
    await ledgerDocument(t.c, org.organizationId, gone, 'credit_note', 700);
    expect(await findSummaryMismatches(t.c.db, org.organizationId)).toEqual([]);

    await t.c.db
      .update(accountReconciliation)
      .set({ debitMinor: sql`debit_minor + 1` })
      .where(
        and(
          eq(accountReconciliation.organizationId, org.organizationId),
          eq(accountReconciliation.accountId, acc),
        ),
      );
    await t.c.db
      .delete(accountReconciliation)
      .where(
        and(
          eq(accountReconciliation.organizationId, org.organizationId),
          eq(accountReconciliation.accountId, gone),
        ),
      );

    const found = await findSummaryMismatches(t.c.db, org.organizationId);
    expect(found.map((m) => m.accountId).sort()).toEqual([acc, gone].sort());
    expect(found.find((m) => m.accountId === acc)).toMatchObject({
      stored: { debitCount: 1, debitMinor: '3001', creditCount: 1, creditMinor: '1000' },
      computed: { debitCount: 1, debitMinor: '3000', creditCount: 1, creditMinor: '1000' },
    });
    expect(found.find((m) => m.accountId === gone)).toMatchObject({ stored: null });

    const checked = await runDoctorCheck(
      { db: t.c.db, ledger: t.c.ledger },
      { organizationId: org.organizationId },
    );
    expect(checked).toMatchObject({ fixed: 0 });
    expect(checked.remaining).toHaveLength(2);
    const fixed = await runDoctorCheck(
      { db: t.c.db, ledger: t.c.ledger },
      { organizationId: org.organizationId, fix: true },
    );
    expect(fixed).toMatchObject({ fixed: 2, remaining: [] });
    expect(await findSummaryMismatches(t.c.db)).toEqual([]);
  });
});

describe('errors', () => {
  it('recoup doctor exits 1 on a mismatch, --fix repairs it, then exits 0', async () => {
    let env: Record<string, string>;
    const organizationId = org.organizationId;
    const accountId = newId('account');
    const tamper = async (db: import('../../platform/db/db').Db) => {
      await db.insert(accounts).values({
        organizationId,
        id: accountId,
        ownerName: 'Ligne Fausse',
        ownerEmail: 'faux@example.ca',
        locale: 'fr-CA',
        createdAt: new Date(),
      });
      await db.insert(accountReconciliation).values({
        organizationId,
        accountId,
        ownerName: 'Ligne Fausse',
        ownerSort: 'ligne fausse',
        debitCount: 1,
        debitMinor: 100n,
        creditCount: 1,
        creditMinor: 100n,
        updatedAt: new Date(),
      });
    };
    if (t.c.database.kind === 'pg') {
      env = { DATABASE_URL: t.c.database.url! };
      await tamper(t.c.db);
    } else {
      // The embedded test database lives in memory: the CLI gets its own data directory.
      const dir = mkdtempSync(join(tmpdir(), 'recoup-doctor-'));
      env = { RECOUP_DATA_DIR: dir };
      expect(cli(['migrate'], env).code).toBe(0);
      const database = await createDb({ dataDir: dir });
      try {
        await tamper(database.db);
      } finally {
        await database.close();
      }
    }
    const sick = cli(['doctor'], env);
    expect(sick.code, sick.stderr).toBe(1);
    expect(sick.stdout).toContain(`mismatch ${organizationId} ${accountId}`);
    const repaired = cli(['doctor', '--fix'], env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toContain('fixed 1 account summaries');
    expect(repaired.stdout).toContain('agree with the ledger');
    expect(cli(['doctor', '--bogus'], env).code).toBe(2);
  }, 240_000);
});
