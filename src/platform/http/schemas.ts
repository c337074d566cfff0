import { Type } from 'typebox';

export { component } from './openapi-components';

/** Shared field schemas, so that every route describes the same thing the same way. */
export const Id = (example: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z]+_[0-9a-z]+$', examples: [example] });
export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  examples: ['marie.tremblay@example.ca'],
});
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const LocaleSchema = Type.Union([Type.Literal('fr-CA'), Type.Literal('en-CA')]);
/** Minor units: a positive whole number, at most 10^12 (a string or fraction is refused, never coerced). */
export const AmountMinor = Type.Integer({
  minimum: 1,
  maximum: 1_000_000_000_000,
  description: 'Amount in minor units (cents)',
  examples: [12500],
});
export const IsoDateSchema = Type.String({
  format: 'date',
  description: 'Business date YYYY-MM-DD',
  examples: ['2026-11-25'],
});
export const Instant = Type.String({ format: 'date-time', description: 'RFC 3339 UTC instant' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217', examples: ['CAD'] });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    code: Type.Optional(
      Type.String({ description: 'A declined payment (402) or a refused retry (409): the reason code' }),
    ),
    retryAfter: Type.Optional(
      Type.String({ format: 'date-time', description: 'Too soon (429): when the action is allowed again' }),
    ),
    openAmount: Type.Optional(
      Type.Integer({
        description: 'More than an open amount (422): that open amount, in minor units',
      }),
    ),
    refundableAmount: Type.Optional(
      Type.Integer({ description: 'A refund larger than what is left (422): what is left, in minor units' }),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

/** The error answers every authenticated route may give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, unknown> = {};
  for (const s of [400, 401, 403, ...statuses]) out[s] = Type.Ref('Problem');
  return out;
}
