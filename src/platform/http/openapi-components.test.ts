import { describe, expect, it } from 'vitest';
import { component, hoistNamedSchemas } from './openapi-components';

const account = { type: 'object', properties: { id: { type: 'string' } }, ...component('Account') };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });

describe('hoistNamedSchemas', () => {
  it('moves a named response schema to components and refers to it from every operation', () => {
    const doc = hoistNamedSchemas({
      paths: {
        '/accounts': {
          get: { responses: { 200: json({ type: 'array', items: account }) } },
          post: { requestBody: json(account), responses: { 201: json(account) } },
        },
      },
      components: { schemas: {} },
    });
    const ref = { $ref: '#/components/schemas/Account' };
    expect(doc.components.schemas).toEqual({
      Account: { type: 'object', properties: { id: { type: 'string' } } },
    });
    expect(doc.paths['/accounts'].get.responses[200]).toEqual(json({ type: 'array', items: ref }));
    expect(doc.paths['/accounts'].post.responses[201]).toEqual(json(ref));
    // A body keeps its fields inline, without the mark.
    expect(doc.paths['/accounts'].post.requestBody).toEqual(
      json({ type: 'object', properties: { id: { type: 'string' } } }),
    );
  });

  it('refuses two different schemas under one name', () => {
    const other = { type: 'object', properties: { name: { type: 'string' } }, ...component('Account') };
    expect(() =>
      hoistNamedSchemas({
        paths: {
          '/a': { get: { responses: { 200: json(account) } } },
          '/b': { get: { responses: { 200: json(other) } } },
        },
      }),
    ).toThrow(/two different response schemas are named Account/);
  });
});
