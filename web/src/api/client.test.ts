import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, answer, api, setApiLanguage } from './client';

const origin = 'http://recoup.test';
let sent: Request[] = [];
let reply: () => Response;
const fetchStub = async (request: Request) => {
  sent.push(request);
  return reply();
};
const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

beforeEach(() => {
  sent = [];
  Object.defineProperty(globalThis, 'document', {
    value: { cookie: 'other=1; recoup_csrf=csrf%2Btoken' },
    configurable: true,
  });
});
afterEach(() => setApiLanguage('fr-CA'));

describe('the API client', () => {
  it('sends the language, and the CSRF token on writes only', async () => {
    setApiLanguage('en-CA');
    reply = () => new Response(null, { status: 204 });
    await answer(api.POST('/api/v1/auth/logout', { baseUrl: origin, fetch: fetchStub }));
    reply = () => json({ failedTransactionsDigest: true });
    const preferences = await answer(
      api.GET('/api/v1/me/email-preferences', { baseUrl: origin, fetch: fetchStub }),
    );
    expect(preferences).toEqual({ failedTransactionsDigest: true });
    const [write, read] = sent;
    expect(write!.headers.get('X-CSRF-Token')).toBe('csrf+token');
    expect(write!.headers.get('Accept-Language')).toBe('en-CA');
    expect(read!.headers.get('X-CSRF-Token')).toBeNull();
    expect(read!.headers.get('Accept')).toBe('application/json');
    expect(read!.credentials).toBe('same-origin');
  });

  it('leaves empty filters out of the query string', async () => {
    reply = () => json({ items: [], nextCursor: null });
    await answer(
      api.GET('/api/v1/action-center/failed-transactions', {
        params: { query: { type: 'refund', paymentMethod: undefined, limit: 50 } },
        baseUrl: origin,
        fetch: fetchStub,
      }),
    );
    expect(sent[0]!.url).toBe(`${origin}/api/v1/action-center/failed-transactions?type=refund&limit=50`);
  });

  it('rejects with the problem+json of a refusal', async () => {
    reply = () =>
      json(
        {
          type: 'https://recoup.dev/problems/conflict',
          title: 'Conflict',
          status: 409,
          detail: 'not open',
          code: 'not_open',
        },
        409,
        'application/problem+json',
      );
    const call = answer(
      api.POST('/api/v1/action-center/failed-transactions/{id}/retry', {
        params: { path: { id: 'ft_1' } },
        baseUrl: origin,
        fetch: fetchStub,
      }),
    );
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await call.catch((error: ApiError) => {
      expect(error.status).toBe(409);
      expect(error.message).toBe('not open');
      expect(error.problem.code).toBe('not_open');
    });
  });

  it('turns a network failure into an ApiError with status 0', async () => {
    const failing = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(answer(api.GET('/api/v1/me', { baseUrl: origin, fetch: failing }))).rejects.toMatchObject({
      status: 0,
      name: 'ApiError',
    });
  });
});
