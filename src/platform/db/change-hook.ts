import type { Db } from './db';

/**
 * How an owning module tells the modules that keep a summary of its rows what changed, inside the
 * transaction that changed them: the summary commits or rolls back with the data. The owner reports; the
 * listeners are registered by the composition root, so the owner never imports them.
 */
export class ChangeHook<Change> {
  private readonly listeners: ((tx: Db, change: Change) => Promise<void>)[] = [];

  listen(listener: (tx: Db, change: Change) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async report(tx: Db, change: Change): Promise<void> {
    for (const listener of this.listeners) await listener(tx, change);
  }
}
