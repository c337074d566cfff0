import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createServer } from './server';
import { VALIDATION_MESSAGES } from './validation-messages';

async function post(body: unknown, acceptLanguage?: string) {
  const app = await createServer({ logger: false });
  app.post(
    '/cards',
    {
      schema: {
        body: Type.Object(
          {
            number: Type.String({ minLength: 1 }),
            holder: Type.String({ minLength: 2, maxLength: 5 }),
            expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
            email: Type.String({ format: 'email' }),
            kind: Type.Union([Type.Literal('card'), Type.Literal('echeck')]),
          },
          { additionalProperties: false },
        ),
      },
    },
    async () => ({ ok: true }),
  );
  const res = await app.inject({
    method: 'POST',
    url: '/cards',
    payload: body as object,
    headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {},
  });
  await app.close();
  return { status: res.statusCode, body: res.json() };
}

const valid = { number: '4242', holder: 'Léa', expMonth: 3, email: 'a@b.ca', kind: 'card' };

describe('validation messages come from the error table, in the caller’s language', () => {
  it('fr-CA: the schema’s English never reaches the form', async () => {
    const res = await post({ ...valid, number: '' }, 'fr-CA,fr;q=0.9');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'body.number', message: 'Obligatoire.' }]);
    expect(res.body.detail).toBe('body.number: Obligatoire.');
  });

  it('en-CA, and each keyword the schemas use', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...valid, number: '' }, 'body.number', 'Required.'],
      [{ ...valid, holder: 'L' }, 'body.holder', 'At least 2 characters.'],
      [{ ...valid, holder: 'Léa Fortin' }, 'body.holder', 'At most 5 characters.'],
      [{ ...valid, expMonth: 13 }, 'body.expMonth', 'Must be 12 or less.'],
      [{ ...valid, expMonth: 1.5 }, 'body.expMonth', 'Must be a whole number.'],
      [{ ...valid, email: 'nope' }, 'body.email', 'Must be an e-mail address.'],
      [{ ...valid, extra: 1 }, 'body.extra', 'is not a known field'],
      [(({ email: _e, ...rest }) => rest)(valid), 'body.email', 'Required.'],
    ];
    for (const [body, field, message] of cases) {
      const res = await post(body, 'en-CA');
      expect(res.body.errors?.[0], JSON.stringify(body)).toEqual({ field, message });
    }
  });

  it('every keyword is worded in both languages', () => {
    expect(Object.keys(VALIDATION_MESSAGES['fr-CA']).sort()).toEqual(
      Object.keys(VALIDATION_MESSAGES['en-CA']).sort(),
    );
    for (const text of Object.values(VALIDATION_MESSAGES['fr-CA'])) {
      expect(text({ limit: 2, allowedValues: ['a'], type: 'x', format: 'x', multipleOf: 2 })).not.toMatch(
        /must|required/i,
      );
    }
  });
});
