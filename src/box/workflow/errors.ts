/**
 * A refusal of the workflow, with the HTTP status and a stable code for the UI. The error plugin
 * turns it into `{error, message}` (plus headers such as Retry-After).
 */
import { HttpError } from '../../contracts/http-error.ts';

export class WorkflowError extends HttpError {
  constructor(
    code: string,
    message: string,
    statusCode: number,
    headers: Record<string, string> = {},
    /** Extra fields of the error body beside `error` and `message` (e.g. the sample a duplicate names). */
    body: Record<string, string> = {},
  ) {
    super(statusCode, code, message, body, headers);
  }
}

export const notFound = (what: string, id: string) => new WorkflowError('not_found', `no ${what} ${id}`, 404);
export const conflict = (code: string, message: string) => new WorkflowError(code, message, 409);
export const badRequest = (code: string, message: string) => new WorkflowError(code, message, 400);

/** Maps a full disk (file system or SQLite) to a 507 refusal; anything else is returned as is. */
export function diskFullError(err: unknown): WorkflowError | undefined {
  const e = err as { code?: string };
  if (e?.code === 'ENOSPC' || e?.code === 'SQLITE_FULL' || e?.code === 'EDQUOT') {
    return new WorkflowError('disk_full', 'the data disk is full: nothing new was stored; free space (or sync and remove old samples) and try again', 507);
  }
  return undefined;
}
