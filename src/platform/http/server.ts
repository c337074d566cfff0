import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import helmet from 'helmet';
import { AppError } from '../../lib/errors';
import { hoistNamedSchemas } from './openapi-components';
import { installProblemHandlers, sendProblem } from './problem';
import { ProblemSchema } from './schemas';

/** What a log line never shows: credentials in headers. Tokens in URLs are masked by redactUrl(). */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** A URL as logged: the value of any token-like query parameter (portal links carry one) is masked. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|key|secret)=)[^&#]*/gi, '$1[redacted]');
}

export interface ServerOptions {
  logger: FastifyServerOptions['logger'];
  /** the built web UI (web/dist), served on the same port when present */
  webRoot?: string;
  bodyLimit?: number;
  /** RECOUP_TRUST_PROXY: proxies whose X-Forwarded-For is believed (request.ip, so rate limits); 0 = none. */
  trustProxy?: number;
  /** the live gateway's card and bank forms load Stripe.js: the CSP lets its script, frames and API through */
  stripeJs?: boolean;
}

/**
 * The Content-Security-Policy's directives. With the live gateway, Stripe.js is loaded from js.stripe.com and
 * draws the Payment Element in frames from js.stripe.com and hooks.stripe.com, talking to api.stripe.com
 * (Stripe's security guide, "Content Security Policy"); without it nothing outside this origin is allowed.
 */
export function cspDirectives(stripeJs: boolean) {
  const stripe = stripeJs ? ['https://js.stripe.com', 'https://*.js.stripe.com'] : [];
  return {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    styleSrc: ["'self'", "'unsafe-inline'"],
    scriptSrc: ["'self'", ...stripe],
    frameSrc: ["'self'", ...stripe, ...(stripeJs ? ['https://hooks.stripe.com'] : [])],
    connectSrc: ["'self'", ...(stripeJs ? ['https://api.stripe.com'] : [])],
    upgradeInsecureRequests: null,
  };
}

/** The request log line's `req`, as Fastify writes it, with secrets in the query string redacted. */
function withRedactedUrls(logger: ServerOptions['logger']): ServerOptions['logger'] {
  if (!logger) return logger;
  const base = typeof logger === 'object' ? logger : {};
  return {
    ...base,
    serializers: {
      req: (req: {
        method: string;
        url: string;
        host?: string;
        ip?: string;
        socket?: { remotePort?: number };
      }) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
      ...('serializers' in base ? base.serializers : {}),
    },
  } as ServerOptions['logger'];
}

function makeAjv(coerce: boolean) {
  // Bodies are never coerced: "100" is not an amount. Query strings and paths are text, so they are.
  // Unknown fields are rejected (additionalProperties: false), never silently dropped.
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats.default ? addFormats.default(ajv) : (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withRedactedUrls(opts.logger),
    // Fastify's own two lines per request drown the start-up banner: one line, at debug only (below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // proxy-addr's meaning of a hop count: believe the nearest `trustProxy` addresses of X-Forwarded-For.
    trustProxy: opts.trustProxy ? (_address: string, hop: number) => hop < (opts.trustProxy ?? 0) : false,
    return503OnClosing: true,
    // Errors the router meets before any route runs are problem+json too.
    frameworkErrors: (error, request, reply) =>
      sendProblem(
        reply,
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('uri_too_long', 'A path parameter is longer than any ID')
          : new AppError('bad_request', 'The URL is not valid'),
        request,
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(
    ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as never,
  );

  // Callback hooks, not async ones: an async hook costs a promise and a microtask turn on every request
  // (bench/profile-route.ts), and neither of these waits for anything.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The line is built only when it is written (debug is off in production and in the benchmarks).
    // pino's isLevelEnabled; Fastify's logger when logging is off has none (and writes nothing).
    const log = request.log as typeof request.log & { isLevelEnabled?: (level: string) => boolean };
    if (log.isLevelEnabled?.('debug')) {
      request.log.debug(
        {
          method: request.method,
          url: redactUrl(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
    done();
  });

  const serveWeb = Boolean(opts.webRoot && existsSync(opts.webRoot));
  installProblemHandlers(app, {
    // The UI is a single-page app: any page path that is not the API or the docs serves index.html.
    notFound: serveWeb
      ? (request, reply) => {
          const path = request.url.split('?')[0] ?? '/';
          if (request.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/docs')) {
            return reply.type('text/html').sendFile('index.html');
          }
          return sendProblem(reply, new AppError('not_found', `No route ${request.method} ${path}`), request);
        }
      : undefined,
  });
  app.addSchema(ProblemSchema);

  // Logo uploads arrive as raw bytes; the magic bytes decide what they are, not the header.
  app.addContentTypeParser(
    ['image/png', 'image/jpeg', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  // Security headers built once. @fastify/helmet builds helmet's middleware again for every request (the
  // CSP directives parsed each time: 35 µs of a 0.5 ms page in a CPU profile of app.inject); they never change.
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: cspDirectives(opts.stripeJs ?? false) },
  });
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)),
  );
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      const err = new AppError(
        'too_many_requests',
        `Too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`,
      );
      return Object.assign(err, { statusCode: 429 });
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Recoup API',
        version: '1.0.0',
        description:
          'The billing Action Center: failed transactions, expiring cards and reconcilable accounts. ' +
          'Money is in integer minor units; errors are application/problem+json (RFC 9457). ' +
          'Payment gateway: `RECOUP_GATEWAY` = `sandbox` | `stripe` (keys `STRIPE_SECRET_KEY`, `STRIPE_PUBLISHABLE_KEY`, ' +
          '`STRIPE_WEBHOOK_SECRET`; `STRIPE_API_BASE` for tests only); with Stripe, methods are added as Stripe.js ' +
          '`pm_…` tokens (a card number is refused) and Stripe events arrive at `POST /api/v1/webhooks/stripe`.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'recoup_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
    // Response schemas marked with named() become components.schemas entries.
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document.openapiObject) : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  if (serveWeb) {
    await app.register(fastifyStatic, {
      root: opts.webRoot!,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // `npm run build` writes .br and .gz beside every text asset: no compression work per request.
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, path) => {
        // Vite names everything under assets/ by its content hash, so a cached copy never goes stale;
        // index.html (and the SPA pages that serve it) must be revalidated to pick up a new build.
        reply.header(
          'cache-control',
          /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }

  return app;
}
