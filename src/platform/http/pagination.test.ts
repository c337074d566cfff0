import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors';
import { cursorKey, paged } from './pagination';

/** `paged(...).page()`: one list route's limit, typed cursor and next cursor in one call. */
describe('paged().page', () => {
  const pages = paged(cursorKey.date('date'), cursorKey.id('id', 'inv'));
  const rows = [
    { date: '2026-01-02', id: 'inv_a' },
    { date: '2026-01-03', id: 'inv_b' },
  ];

  it('asks for 50 rows from the start without a cursor, shapes them, and gives the next cursor', async () => {
    const asked: unknown[] = [];
    const answer = await pages.page(
      {},
      async (request) => {
        asked.push(request);
        return { items: rows, next: rows[1]! };
      },
      (r) => r.id,
    );
    expect(asked).toEqual([{ limit: 50, after: undefined }]);
    expect(answer.items).toEqual(['inv_a', 'inv_b']);
    expect(answer.nextCursor).toBe(pages.next(['2026-01-03', 'inv_b']));
  });

  it('hands the service the cursor keys by their names, and answers null at the end', async () => {
    const asked: unknown[] = [];
    const cursor = pages.next(['2026-01-03', 'inv_b'])!;
    const answer = await pages.page({ limit: 2, cursor }, async (request) => {
      asked.push(request);
      return { items: [], next: null };
    });
    expect(asked).toEqual([{ limit: 2, after: { date: '2026-01-03', id: 'inv_b' } }]);
    expect(answer).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a cursor of the wrong shape before the service is asked (400 validation)', async () => {
    let asked = false;
    const bad = pages.next(['2026-02-30', 'inv_b'])!;
    await expect(
      pages.page({ cursor: bad }, async () => {
        asked = true;
        return { items: [], next: null };
      }),
    ).rejects.toBeInstanceOf(AppError);
    expect(asked).toBe(false);
  });
});
