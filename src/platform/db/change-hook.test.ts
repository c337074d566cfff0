import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ChangeHook } from './change-hook';
import type { Db } from './db';

const tx = {} as Db;

describe('happy', () => {
  it('reportWith hands the inline statements to the write and runs the other listeners after it', async () => {
    const hook = new ChangeHook<{ n: number }>();
    const order: string[] = [];
    const inline = sql`select 1`;
    hook.listen(
      async () => {
        order.push('inline listener run');
      },
      { inline: (change) => (change.n > 0 ? inline : null) },
    );
    hook.listen(async () => {
      order.push('plain listener');
    });

    const answer = await hook.reportWith(tx, { n: 1 }, async (ctes) => {
      order.push(`write with ${ctes.length}`);
      expect(ctes).toEqual([inline]);
      return 'written';
    });
    expect(answer).toBe('written');
    expect(order).toEqual(['write with 1', 'plain listener']);

    // A listener whose inline form declines the change runs as a statement of its own, after the write.
    order.length = 0;
    await hook.reportWith(tx, { n: 0 }, async (ctes) => {
      order.push(`write with ${ctes.length}`);
    });
    expect(order).toEqual(['write with 0', 'inline listener run', 'plain listener']);
  });

  it('report runs every listener, inline or not', async () => {
    const hook = new ChangeHook<number>();
    const seen: number[] = [];
    hook.listen(async (_tx, n) => void seen.push(n), { inline: () => sql`select 1` });
    hook.listen(async (_tx, n) => void seen.push(n * 10));
    await hook.report(tx, 2);
    expect(seen).toEqual([2, 20]);
  });
});
