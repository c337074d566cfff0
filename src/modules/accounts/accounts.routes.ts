import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { toJsonAmount } from '../../lib/money';
import { CursorQuery, cursorKey, LimitQuery, ListOf, paged } from '../../platform/http/pagination';
import {
  Currency,
  component,
  Email,
  errorResponses,
  Id,
  Instant,
  LocaleSchema,
  Name,
} from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import type { AccountsService, AccountView } from './accounts.service';

const accountPages = paged(cursorKey.text('name'), cursorKey.id('id', 'acc'));

export const AccountSchema = Type.Object(
  {
    id: Type.String({ examples: ['acc_01jd5x2k8v3q7r9t0w1y2z3a4b'] }),
    ownerName: Type.String(),
    ownerEmail: Type.String(),
    locale: LocaleSchema,
    currency: Currency,
    openDebit: Type.Integer({ description: 'Open amount of posted invoices and refunds (minor units)' }),
    openCredit: Type.Integer({
      description: 'Open amount of posted payments and credit notes (minor units)',
    }),
    createdAt: Instant,
  },
  component('Account'),
);
export type AccountJson = Static<typeof AccountSchema>;

export function accountJson(a: AccountView): AccountJson {
  return {
    id: a.id,
    ownerName: a.ownerName,
    ownerEmail: a.ownerEmail,
    locale: a.locale,
    currency: a.currency,
    openDebit: toJsonAmount(a.openDebitMinor),
    openCredit: toJsonAmount(a.openCreditMinor),
    createdAt: a.createdAt.toISOString(),
  };
}

const AccountParams = Type.Object({ id: Id('acc_01jd5x2k8v3q7r9t0w1y2z3a4b') });

export const accountsRoutes: FastifyPluginAsyncTypebox<{
  accounts: AccountsService;
  guard: AuthGuard;
}> = async (app, { accounts, guard }) => {
  app.post(
    '/accounts',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'createAccount',
        tags: ['accounts'],
        summary: "Open a customer's account (the owner's language defaults to the organization's)",
        body: Type.Object(
          { ownerName: Name, ownerEmail: Email, locale: Type.Optional(LocaleSchema) },
          { additionalProperties: false },
        ),
        response: { 201: AccountSchema, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const account = await accounts.create(p.organizationId, p.userId, request.body);
      return reply.status(201).send(accountJson(account));
    },
  );

  app.get(
    '/accounts',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'listAccounts',
        tags: ['accounts'],
        summary:
          "Accounts by owner name; `search` matches the owner's name or e-mail (case and accents ignored)",
        querystring: Type.Object(
          {
            search: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(LimitQuery),
            cursor: Type.Optional(CursorQuery),
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(AccountSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return accountPages.page(
        request.query,
        (page) => accounts.list(p.organizationId, { search: request.query.search, ...page }),
        accountJson,
      );
    },
  );

  app.get(
    '/accounts/:id',
    {
      onRequest: guard.require('action_center.view'),
      schema: {
        operationId: 'getAccount',
        tags: ['accounts'],
        summary: 'One account with its open debit and credit',
        params: AccountParams,
        response: { 200: AccountSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return accountJson(await accounts.view(p.organizationId, request.params.id));
    },
  );

  app.patch(
    '/accounts/:id',
    {
      onRequest: guard.require('billing.write'),
      schema: {
        operationId: 'updateAccount',
        tags: ['accounts'],
        summary: "Change the owner's name, e-mail or language",
        params: AccountParams,
        body: Type.Object(
          {
            ownerName: Type.Optional(Name),
            ownerEmail: Type.Optional(Email),
            locale: Type.Optional(LocaleSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: AccountSchema, ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return accountJson(await accounts.update(p.organizationId, p.userId, request.params.id, request.body));
    },
  );
};
