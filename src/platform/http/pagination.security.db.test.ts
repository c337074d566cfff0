/**
 * Hostile cursors: a cursor that is valid base64url JSON but carries keys of the wrong type (a string
 * where an instant goes, a date that is not a date, an ID of another kind) answers 400 problem+json on
 * every list and never reaches the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, type TestOrg } from '../../../test/factories';
import { call, createTestContext, type TestContext } from '../../../test/harness';
import { cursorKey, encodeCursor, paged } from './pagination';

const raw = (keys: unknown) => Buffer.from(JSON.stringify(keys)).toString('base64url');

let t: TestContext;
let a: TestOrg;
let accountId: string;

beforeAll(async () => {
  t = await createTestContext();
  a = await createOrg(t.c);
  const account = await call(t.app, a.adminToken, 'POST', '/api/v1/accounts', {
    ownerName: 'Léa Côté',
    ownerEmail: 'lea@example.ca',
  });
  accountId = account.body.id;
});
afterAll(async () => t?.close());

describe('errors: every list refuses a cursor with keys of the wrong type', () => {
  const lists = () => [
    {
      url: '/api/v1/accounts',
      bad: [
        [1, 2],
        ['Léa', 'inv_x1'],
        [{}, 'acc_x1'],
      ],
    },
    {
      url: `/api/v1/accounts/${accountId}/ledger`,
      bad: [
        ['not-a-date', 'inv_x1'],
        ['2026-02-30', 'inv_x1'],
        [20260101, 'inv_x1'],
        ['2026-01-01', 'acc_x1'],
      ],
    },
    {
      url: `/api/v1/accounts/${accountId}/upcoming-payments`,
      bad: [
        ['not-a-date', 'sp_x1'],
        ['2026-02-30', 'sp_x1'],
        ['2026-01-01', 'inv_x1'],
      ],
    },
    {
      url: `/api/v1/accounts/${accountId}/allocations`,
      bad: [
        ['yesterday', 'alc_x1'],
        [1e300, 'alc_x1'],
      ],
    },
    {
      url: `/api/v1/accounts/${accountId}/payment-attempts`,
      bad: [
        ['2026-01-01', 'txn_x1'],
        [1e300, 'txn_x1'],
        [0, 'pay_x1'],
        [0, "txn_x1' or 1=1"],
      ],
    },
    {
      url: '/api/v1/audit-log',
      bad: [
        ['2026-01-01', 'aud_x1'],
        [1.5, 'aud_x1'],
        [0, 7],
      ],
    },
    {
      url: '/api/v1/emails',
      bad: [
        ['x', 'em_x1'],
        [0, 'aud_x1'],
        [null, 'em_x1'],
      ],
    },
    {
      url: '/api/v1/action-center/failed-transactions',
      bad: [
        ['x', 'ft_x1'],
        [0, "ft_x1' or 1=1"],
      ],
    },
    {
      url: '/api/v1/action-center/expiring-cards',
      bad: [
        ['2026-13-01', 'Léa', 'pm_x1'],
        ['2026-01-01', 5, 'pm_x1'],
        ['2026-01-01', 'Léa', 'acc_x1'],
      ],
    },
    {
      url: '/api/v1/action-center/reconcilable-accounts',
      bad: [
        [0.5, 1, 'lea', 'acc_x1'],
        [0, 1e12, 'lea', 'acc_x1'],
        [0, 1, 'lea', 'pm_x1'],
        [-1, 1, 'l', 'acc_x1'],
      ],
    },
  ];

  it('answers 400 problem+json naming the cursor, with a reason', async () => {
    for (const list of lists()) {
      for (const keys of [...list.bad, 'not an array', []]) {
        const res = await call(t.app, a.adminToken, 'GET', `${list.url}?cursor=${raw(keys)}`);
        expect(res.status, `${list.url} ${JSON.stringify(keys)}`).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors[0].field).toBe('querystring.cursor');
        expect(res.body.detail).toMatch(/cursor/);
      }
      const garbage = await call(t.app, a.adminToken, 'GET', `${list.url}?cursor=%25%25%25`);
      expect(garbage.status, list.url).toBe(400);
    }
  });
});

describe('happy: cursors the lists give page through them', () => {
  it('walks the accounts list page by page', async () => {
    for (const name of ['B', 'C', 'D']) {
      await call(t.app, a.adminToken, 'POST', '/api/v1/accounts', {
        ownerName: name,
        ownerEmail: 'x@example.ca',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await call(t.app, a.adminToken, 'GET', `/api/v1/accounts?limit=1${q}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(4);
  });

  it('paged() round-trips typed keys', () => {
    const p = paged(
      cursorKey.instant('at'),
      cursorKey.date('d'),
      cursorKey.id('id', 'ft'),
      cursorKey.int('n'),
    );
    const at = new Date('2026-11-25T12:00:00.123Z');
    const after = p.after(p.next([at, '2026-11-25', 'ft_01abc', 3]) ?? undefined);
    expect(after).toEqual([at, '2026-11-25', 'ft_01abc', 3]);
    expect(after?.[0]).toBeInstanceOf(Date);
    expect(p.next(null)).toBeNull();
    expect(() => p.after(encodeCursor([at.getTime(), '2026-11-25', 'ft_01abc']))).toThrow(/expected 4 keys/);
  });
});
