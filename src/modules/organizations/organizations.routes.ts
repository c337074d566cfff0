import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../lib/errors';
import type { Locale } from '../../lib/locale';
import { Currency, component, Email, errorResponses, LocaleSchema, Name } from '../../platform/http/schemas';
import { type AuthGuard, principalOf } from '../users/auth.guard';
import { MAX_LOGO_BYTES, type Organization, type OrganizationsService } from './organizations.service';

const OrganizationSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    contactEmail: Type.Union([Type.String(), Type.Null()]),
    billingContactUserId: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String({ examples: ['America/Toronto'] }),
    locale: LocaleSchema,
    currency: Currency,
    logoUrl: Type.Union([Type.String(), Type.Null()]),
  },
  component('Organization'),
);

export const organizationsRoutes: FastifyPluginAsyncTypebox<{
  organizations: OrganizationsService;
  guard: AuthGuard;
}> = async (app, { organizations, guard }) => {
  const present = (org: Organization) => ({
    id: org.id,
    name: org.name,
    contactEmail: org.contactEmail,
    billingContactUserId: org.billingContactUserId,
    timezone: org.timezone,
    locale: org.locale as Locale,
    currency: org.currency,
    logoUrl: organizations.logoUrl(org),
  });

  app.get(
    '/organization',
    {
      onRequest: guard.require(),
      schema: {
        operationId: 'getOrganization',
        tags: ['organization'],
        summary: "The signed-in user's organization",
        response: { 200: OrganizationSchema, ...errorResponses() },
      },
    },
    async (request) => present(await organizations.get(principalOf(request).organizationId)),
  );

  app.patch(
    '/organization',
    {
      onRequest: guard.require('settings.manage'),
      schema: {
        operationId: 'updateOrganization',
        tags: ['organization'],
        summary: 'Change the organization settings',
        body: Type.Object(
          {
            name: Type.Optional(Name),
            contactEmail: Type.Optional(Type.Union([Email, Type.Null()])),
            billingContactUserId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            locale: Type.Optional(LocaleSchema),
            currency: Type.Optional(Currency),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrganizationSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return present(await organizations.update(principal.organizationId, principal.userId, request.body));
    },
  );

  app.put(
    '/organization/logo',
    {
      onRequest: guard.require('settings.manage'),
      bodyLimit: MAX_LOGO_BYTES,
      schema: {
        operationId: 'uploadLogo',
        tags: ['organization'],
        summary: 'Upload the logo (PNG or JPEG bytes, 1 MB at most)',
        consumes: ['image/png', 'image/jpeg', 'application/octet-stream'],
        response: { 200: OrganizationSchema, ...errorResponses(413, 415) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body as unknown;
      if (!Buffer.isBuffer(body))
        throw new AppError('unsupported_media_type', 'Send the image bytes as image/png or image/jpeg');
      return present(await organizations.setLogo(principal.organizationId, principal.userId, body));
    },
  );

  // Public: e-mails and the customer portal show the logo without signing in.
  app.get(
    '/organizations/:id/logo',
    {
      schema: {
        operationId: 'getLogo',
        tags: ['organization'],
        summary: "An organization's logo (public, for e-mails)",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 32 })) }),
      },
    },
    async (request, reply) => {
      const logo = await organizations.getLogo(request.params.id);
      if (!logo) throw new AppError('not_found', 'logo not found');
      return reply.type(logo.mime).header('cache-control', 'public, max-age=86400').send(logo.bytes);
    },
  );
};
