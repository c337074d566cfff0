import { describe, expect, it } from 'vitest';
import { nameStatements } from './statement-cache';

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
    expect(sent[0]).toEqual([{ text: 'select $1::int', name: names[0], rowMode: 'array' }, [1], undefined]);
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
});
