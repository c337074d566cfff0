import { describe, expect, it } from 'vitest';
import { nameStatements, PoolNaming } from './statement-cache';

/** A stand-in for pg's client: records what reaches the driver. */
function fakeClient() {
  const sent: unknown[][] = [];
  const client = {
    query: (...args: unknown[]) => {
      sent.push(args);
      return Promise.resolve({ rows: [] });
    },
  };
  return { client: client as never, sent, call: (...args: unknown[]) => (client.query as any)(...args) };
}

describe('nameStatements', () => {
  it('names a parameterised statement by its text, the same name every time', () => {
    const { client, sent, call } = fakeClient();
    nameStatements(client);
    call({ text: 'select $1::int', name: undefined, rowMode: 'array' }, [1]);
    call({ text: 'select $1::int', rowMode: 'array' }, [2]);
    call({ text: 'select $1::text' }, ['x']);
    const names = sent.map((a) => (a[0] as { name?: string }).name);
    expect(names[0]).toMatch(/^r_/);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).not.toBe(names[0]);
    // What else the config said is kept, and the values go along.
    expect(sent[0]).toEqual([{ text: 'select $1::int', name: names[0], rowMode: 'array' }, [1]]);
  });

  it('leaves alone statements without parameters, strings, named ones and cursors', () => {
    const { client, sent, call } = fakeClient();
    nameStatements(client);
    const cursor = { text: 'select $1', submit: () => undefined };
    call('begin');
    call({ text: 'commit' });
    call({ text: 'select 1; select 2' }, []);
    call({ text: 'select $1', name: 'mine' }, [1]);
    call(cursor, [1]);
    expect(sent.map((a) => a[0])).toEqual([
      'begin',
      { text: 'commit' },
      { text: 'select 1; select 2' },
      { text: 'select $1', name: 'mine' },
      cursor,
    ]);
  });

  it('names at most `max` texts per connection; the others run unnamed', () => {
    const { client, sent, call } = fakeClient();
    nameStatements(client, 2);
    for (const n of [1, 2, 3, 1]) call({ text: `select $1 + ${n}` }, [0]);
    const names = sent.map((a) => (a[0] as { name?: string }).name);
    expect(names[0]).toBeDefined();
    expect(names[1]).toBeDefined();
    expect(names[2]).toBeUndefined();
    expect(names[3]).toBe(names[0]);
  });

  it('turns naming off for the whole pool when the server says a kept statement cannot work, once, logged', async () => {
    const logged: string[] = [];
    const naming = new PoolNaming((m) => logged.push(m));
    const b = fakeClient();
    nameStatements(b.client, 150, naming);
    // A connection whose driver answers the named statement as a transaction-mode pooler would.
    const refused = Object.assign(new Error('prepared statement "r_x" does not exist'), { code: '26000' });
    const failing = { query: (..._args: unknown[]) => Promise.reject(refused) };
    nameStatements(failing as never, 150, naming);
    await expect((failing.query as any)({ text: 'select $1' }, [1])).rejects.toBe(refused);
    expect(naming.enabled).toBe(false);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('DATABASE_SESSION_URL');
    // Every connection of the pool runs unnamed from now on.
    b.call({ text: 'select $1' }, [1]);
    expect((b.sent[0]![0] as { name?: string }).name).toBeUndefined();
  });

  it('passes other errors through and keeps naming; the callback form reports them too', async () => {
    const naming = new PoolNaming(() => undefined);
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    const stale = Object.assign(new Error('cached plan must not change result type'), { code: '0A000' });
    const answers = [syntax, stale];
    const seen: unknown[] = [];
    const client = {
      query: (_config: unknown, _values: unknown, cb: (e: unknown, r: unknown) => void) =>
        cb(answers.shift(), null),
    };
    nameStatements(client as never, 150, naming);
    (client.query as any)({ text: 'select $1' }, [1], (e: unknown) => seen.push(e));
    expect(naming.enabled).toBe(true);
    (client.query as any)({ text: 'select $2' }, [1], (e: unknown) => seen.push(e));
    expect(seen).toEqual([syntax, stale]);
    expect(naming.enabled).toBe(false);
  });
});
