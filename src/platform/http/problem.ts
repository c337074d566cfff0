import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError, problemBody } from '../../lib/errors';
import type { Locale } from '../../lib/locale';
import { requestLocale, validationMessage } from './validation-messages';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, err: AppError, request?: FastifyRequest) {
  return reply
    .status(err.status)
    .type(PROBLEM_JSON)
    .send(problemBody(err, request?.url.split('?')[0]));
}

/** Turns every error into problem+json: ours, Fastify's (validation, body size, parsing) and the unexpected. */
export function installProblemHandlers(
  app: FastifyInstance,
  opts: { notFound?: (request: FastifyRequest, reply: FastifyReply) => unknown } = {},
) {
  app.setErrorHandler(
    (error: FastifyError & { validation?: unknown[]; validationContext?: string }, request, reply) => {
      if (error instanceof AppError) return sendProblem(reply, error, request);
      if (error.validation) {
        const errors = fieldErrors(error, requestLocale(request.headers['accept-language']));
        return sendProblem(reply, new AppError('validation', validationDetail(errors), { errors }), request);
      }
      switch (error.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return sendProblem(
            reply,
            new AppError('payload_too_large', 'The request body is larger than allowed'),
            request,
          );
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return sendProblem(
            reply,
            new AppError(
              'unsupported_media_type',
              `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here`,
            ),
            request,
          );
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return sendProblem(reply, new AppError('bad_request', 'The JSON body is empty'), request);
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
          return sendProblem(reply, new AppError('bad_request', 'The body is not valid JSON'), request);
      }
      if (error.statusCode === 429) {
        return sendProblem(
          reply,
          new AppError('too_many_requests', error.message || 'Too many requests'),
          request,
        );
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        const kind =
          error.statusCode === 404
            ? 'not_found'
            : error.statusCode === 415
              ? 'unsupported_media_type'
              : 'bad_request';
        return sendProblem(reply, new AppError(kind, error.message), request);
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(
        reply,
        new AppError('internal', 'Something went wrong on our side; nothing was changed'),
        request,
      );
    },
  );

  app.setNotFoundHandler(
    opts.notFound ??
      ((request, reply) =>
        sendProblem(
          reply,
          new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
          request,
        )),
  );
}

/** Schema failures as field errors, each message from the validation error table in the caller's language. */
function fieldErrors(
  error: { validation?: unknown[]; validationContext?: string },
  locale: Locale,
): FieldError[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((v) => {
    const item = v as {
      instancePath?: string;
      message?: string;
      params?: Record<string, unknown>;
      keyword?: string;
    };
    let path = (item.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (item.keyword === 'required' && item.params?.missingProperty) {
      path = [path, String(item.params.missingProperty)].filter(Boolean).join('.');
    }
    if (item.keyword === 'additionalProperties' && item.params?.additionalProperty) {
      path = [path, String(item.params.additionalProperty)].filter(Boolean).join('.');
      return { field: `${context}.${path}`, message: validationMessage('additionalProperties', {}, locale) };
    }
    const params = item.params ?? {};
    const keyword =
      item.keyword === 'enum' && !Array.isArray(params.allowedValues) ? undefined : item.keyword;
    return {
      field: path ? `${context}.${path}` : context,
      message: validationMessage(keyword, params, locale),
    };
  });
}

function validationDetail(errors: FieldError[]): string {
  const first = errors[0];
  return first ? `${first.field}: ${first.message}` : 'The request is not valid';
}
