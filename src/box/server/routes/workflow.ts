/**
 * The sample-workflow API: every resource's routes, under one error handler that turns a full disk
 * and the framework's own request errors into workflow refusals with a stable code; the app's error
 * plugin sends them, like every HttpError, as `{error, message}` (with their Retry-After).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { HttpError } from '../../../contracts/http-error.ts';
import { diskFullError, WorkflowError } from '../../workflow/errors.ts';
import audit from './audit.ts';
import cells from './cells.ts';
import device from './device.ts';
import events from './events.ts';
import fields from './fields.ts';
import report from './report.ts';
import samples from './samples.ts';
import session from './session.ts';
import settings from './settings.ts';
import setup from './setup.ts';
import users from './users.ts';

/** Framework error codes -> status, code and a message a UI can show. */
function requestError(err: FastifyError, maxUploadMB: number): WorkflowError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new WorkflowError('malformed_json', 'the request body is not valid JSON', 400);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WorkflowError('body_too_large', 'the request body is too large', 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new WorkflowError('unsupported_media_type', err.message, 415);
    case 'FST_REQ_FILE_TOO_LARGE':
      return new WorkflowError('file_too_large', `the photo is larger than the ${maxUploadMB} MB limit: save it as JPEG or at a lower resolution`, 413);
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new WorkflowError('not_multipart', 'send the photo as multipart/form-data with a file part named image', 415);
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new WorkflowError('too_many_parts', 'send one file part named image and at most the fields capturedAt, reason and askQuality', 413);
    case 'FST_PROTO_VIOLATION':
      return new WorkflowError('invalid_request', err.message, 400);
    default:
      return malformedMultipart(err);
  }
}

/** The multipart parser (busboy) throws plain errors, without a code, for a body it cannot read. */
function malformedMultipart(err: Error): WorkflowError | undefined {
  if (/boundary not found|boundary required/i.test(err.message)) {
    return new WorkflowError('malformed_multipart', 'the upload has no multipart boundary: send the photo as multipart/form-data (let the browser or curl -F set the Content-Type)', 400);
  }
  if (/unexpected end of multipart data/i.test(err.message)) {
    return new WorkflowError('malformed_multipart', 'the upload ended before its last part was complete (an interrupted upload): send the photo again', 400);
  }
  return undefined;
}

const workflowApi: FastifyPluginAsync = async (app) => {
  const maxUploadMB = Math.round((app.config.maxUploadBytes / 2 ** 20) * 10) / 10;
  // Translation only: the app's error plugin sends every HttpError (and logs the 5xx ones).
  app.setErrorHandler((err: FastifyError) => {
    throw err instanceof HttpError ? err : (requestError(err, maxUploadMB) ?? diskFullError(err) ?? err);
  });
  // Only the PIN routes opt in (config.rateLimit); see pinRateLimit.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, c) => new WorkflowError('too_many_requests', `too many PIN attempts from this device: wait ${c.after}`, 429),
  });
  app.addHook('onRoute', (route) => {
    // JSON bodies of this API are small; uploads have their own limit.
    route.bodyLimit ??= 64 * 1024;
    // A route without query parameters refuses any, like every other unknown input.
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? { type: 'object', additionalProperties: false, properties: {} } };
  });
  for (const routes of [session, setup, samples, fields, cells, report, users, settings, device, audit, events]) await app.register(routes);
};

export default workflowApi;
