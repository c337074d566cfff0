import type { SQL } from 'drizzle-orm';
import type { Db } from './db';

/** A listener's own statement for a change, which the owner may run inside its write statement. */
export type InlineListener<Change> = (change: Change) => SQL | null;

/**
 * How an owning module tells the modules that keep a summary of its rows what changed, inside the
 * transaction that changed them: the summary commits or rolls back with the data. The owner reports; the
 * listeners are registered by the composition root, so the owner never imports them.
 *
 * A listener may also give, for some changes, one data-modifying statement of its own (`inline`) that does
 * not need to see the owner's write: the owner then runs it as a CTE of its own statement (`reportWith`),
 * one round trip instead of two. The statement is still the listener's (it writes only its own table).
 */
export class ChangeHook<Change> {
  private readonly listeners: {
    run: (tx: Db, change: Change) => Promise<void>;
    inline?: InlineListener<Change>;
  }[] = [];

  listen(
    listener: (tx: Db, change: Change) => Promise<void>,
    opts: { inline?: InlineListener<Change> } = {},
  ) {
    this.listeners.push({ run: listener, inline: opts.inline });
  }

  async report(tx: Db, change: Change): Promise<void> {
    for (const listener of this.listeners) await listener.run(tx, change);
  }

  /**
   * Runs the owner's `write` with the inline statements of the listeners that have one for `change` (as CTEs
   * of that write), then the other listeners as report() does.
   */
  async reportWith<T>(tx: Db, change: Change, write: (ctes: SQL[]) => Promise<T>): Promise<T> {
    const inlined = this.listeners.map((l) => l.inline?.(change) ?? null);
    const result = await write(inlined.filter((s): s is SQL => s !== null));
    for (const [i, listener] of this.listeners.entries()) {
      if (inlined[i] === null) await listener.run(tx, change);
    }
    return result;
  }
}
