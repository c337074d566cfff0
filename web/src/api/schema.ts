/**
 * Names for the generated contract (schema.gen.ts): the web's API types are all read from it, so a field
 * the server renames or drops fails `npm run typecheck` here instead of breaking in the browser.
 */
import type { components, operations } from './schema.gen';

/** The named response schemas of the OpenAPI document, e.g. `Schemas['FailedTransaction']`. */
export type Schemas = components['schemas'];

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** What an operation (by operationId) answers with a status, e.g. `Answer<'createPayment', 201>`. */
export type Answer<
  Op extends keyof operations,
  Status extends keyof operations[Op]['responses'] = 200 & keyof operations[Op]['responses'],
> = Json<operations[Op]['responses'][Status]>;

/** The JSON body an operation takes. */
export type BodyOf<Op extends keyof operations> = Json<NonNullable<operations[Op]['requestBody']>>;

/** The query string an operation takes. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** One item of a list operation's page. */
export type ItemOf<Op extends keyof operations> = Answer<Op> extends { items: (infer Item)[] } ? Item : never;

export type Locale = Schemas['Organization']['locale'];
export type Role = Schemas['User']['role'];
export type Permission = Schemas['Me']['permissions'][number];
export type MethodType = Schemas['PaymentMethod']['type'];
