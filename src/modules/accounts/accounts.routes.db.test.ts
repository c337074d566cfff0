import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiAccount } from '../../../test/billing';
import { createOrg } from '../../../test/factories';
import { call } from '../../../test/harness';
import { org, other, setUpOrgs, t } from '../../../test/suite';
import { accountReconciliation } from '../reconciliation/reconciliation.table';
import { ownerListKeySql } from './owner-sort';

setUpOrgs({ org: { locale: 'en-CA' } });

describe('happy', () => {
  it("creates an account in the organization's language with its zero summary row", async () => {
    const res = await call(t.app, org.adminToken, 'POST', '/api/v1/accounts', {
      ownerName: 'Chloé Bouchard',
      ownerEmail: 'chloe@example.ca',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ownerName: 'Chloé Bouchard',
      ownerEmail: 'chloe@example.ca',
      locale: 'en-CA',
      currency: 'CAD',
      openDebit: 0,
      openCredit: 0,
    });
    expect(res.body.id).toMatch(/^acc_/);
    const [summary] = await t.c.db
      .select()
      .from(accountReconciliation)
      .where(
        and(
          eq(accountReconciliation.organizationId, org.organizationId),
          eq(accountReconciliation.accountId, res.body.id),
        ),
      );
    expect(summary).toMatchObject({ debitCount: 0, creditCount: 0, ownerSort: 'chloe bouchard' });
    const got = await call(t.app, org.adminToken, 'GET', `/api/v1/accounts/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const french = await call(t.app, org.adminToken, 'POST', '/api/v1/accounts', {
      ownerName: 'Luc',
      ownerEmail: 'luc@example.ca',
      locale: 'fr-CA',
    });
    expect(french.body.locale).toBe('fr-CA');
  });

  it('lists by owner name, searches ignoring case and accents, and pages with a cursor', async () => {
    const search = await createOrg(t.c);
    for (const name of ['Émile Roy', 'Zoé Lavoie', 'emilie Côté', 'André Morin'])
      await apiAccount(t.app, search.adminToken, name);
    const all = await call(t.app, search.adminToken, 'GET', '/api/v1/accounts');
    // As a French-Canadian reader expects: accents do not send "Émile" after "Zoé" (byte order did).
    expect(all.body.items.map((a: { ownerName: string }) => a.ownerName)).toEqual([
      'André Morin',
      'Émile Roy',
      'emilie Côté',
      'Zoé Lavoie',
    ]);
    const found = await call(t.app, search.adminToken, 'GET', '/api/v1/accounts?search=EMIL');
    expect(found.body.items.map((a: { ownerName: string }) => a.ownerName).sort()).toEqual([
      'emilie Côté',
      'Émile Roy',
    ]);
    const byEmail = await call(t.app, search.adminToken, 'GET', '/api/v1/accounts?search=lavoie%40');
    expect(byEmail.body.items).toHaveLength(1);
    const none = await call(t.app, search.adminToken, 'GET', '/api/v1/accounts?search=%25');
    expect(none.body.items).toHaveLength(0);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(
        t.app,
        search.adminToken,
        'GET',
        `/api/v1/accounts?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((a: { id: string }) => a.id));
  });

  it("reads the list's first page from the owner-sort index, in its order (no sort of the whole table)", async () => {
    // A handful of rows makes a sort cheaper than any index; forbidding sorts shows that the index can give
    // the order (it would be a Sort node otherwise), which is what a large organization's first page uses.
    const plan = await t.c.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_sort = off`);
      return tx.execute(
        sql`explain select id from accounts where organization_id = ${org.organizationId}
          order by ${ownerListKeySql(sql`owner_name`)}, id limit 51`,
      );
    });
    const text = (plan as unknown as { rows: { 'QUERY PLAN': string }[] }).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    expect(text).toMatch(/Index (Only )?Scan using accounts_owner_sort/);
    expect(text).not.toMatch(/\bSort\b/);
  });

  it('RA4: renaming the owner refreshes the summary row (the owner name is a sort key), audited', async () => {
    const account = await apiAccount(t.app, org.adminToken, 'Old Name');
    const res = await call(t.app, org.adminToken, 'PATCH', `/api/v1/accounts/${account.id}`, {
      ownerName: 'Élodie Nouveau',
      locale: 'fr-CA',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ownerName: 'Élodie Nouveau', locale: 'fr-CA' });
    const [summary] = await t.c.db
      .select()
      .from(accountReconciliation)
      .where(
        and(
          eq(accountReconciliation.organizationId, org.organizationId),
          eq(accountReconciliation.accountId, account.id),
        ),
      );
    expect(summary).toMatchObject({ ownerName: 'Élodie Nouveau', ownerSort: 'elodie nouveau' });
    const audit = await call(t.app, org.adminToken, 'GET', `/api/v1/audit-log?subjectId=${account.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual([
      'account.updated',
      'account.created',
    ]);
  });
});

describe('errors', () => {
  it('refuses bad input with 400 and an unknown account with 404', async () => {
    const bad = [
      { ownerName: '', ownerEmail: 'a@example.ca' },
      { ownerName: 'A', ownerEmail: 'not-an-email' },
      { ownerName: 'A', ownerEmail: 'a@example.ca', locale: 'de-DE' },
      { ownerName: 'A', ownerEmail: 'a@example.ca', extra: true },
      { ownerEmail: 'a@example.ca' },
    ];
    for (const body of bad) {
      expect(
        (await call(t.app, org.adminToken, 'POST', '/api/v1/accounts', body)).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/accounts/acc_unknown')).status).toBe(404);
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/accounts?cursor=nope')).status).toBe(400);
    expect((await call(t.app, org.adminToken, 'GET', '/api/v1/accounts?limit=500')).status).toBe(400);
  });
});

describe('authz', () => {
  it('lets staff read accounts but not create or change them', async () => {
    const account = await apiAccount(t.app, org.adminToken);
    const staff = await org.tokenFor('staff');
    expect((await call(t.app, staff.token, 'GET', `/api/v1/accounts/${account.id}`)).status).toBe(200);
    expect((await call(t.app, staff.token, 'GET', '/api/v1/accounts')).status).toBe(200);
    expect(
      (
        await call(t.app, staff.token, 'POST', '/api/v1/accounts', {
          ownerName: 'A',
          ownerEmail: 'a@example.ca',
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(t.app, staff.token, 'PATCH', `/api/v1/accounts/${account.id}`, { ownerName: 'B' })).status,
    ).toBe(403);
    expect((await call(t.app, null, 'GET', '/api/v1/accounts')).status).toBe(401);
    const accountant = await org.tokenFor('accountant');
    expect(
      (await call(t.app, accountant.token, 'PATCH', `/api/v1/accounts/${account.id}`, { ownerName: 'B' }))
        .status,
    ).toBe(200);
  });

  it("answers 404 for another organization's account and never lists it", async () => {
    const account = await apiAccount(t.app, org.adminToken, 'Secret Owner');
    expect((await call(t.app, other.adminToken, 'GET', `/api/v1/accounts/${account.id}`)).status).toBe(404);
    expect(
      (await call(t.app, other.adminToken, 'PATCH', `/api/v1/accounts/${account.id}`, { ownerName: 'X' }))
        .status,
    ).toBe(404);
    const list = await call(t.app, other.adminToken, 'GET', '/api/v1/accounts?search=secret');
    expect(list.body.items).toEqual([]);
  });
});
