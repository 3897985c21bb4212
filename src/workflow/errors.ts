/**
 * A refusal of the workflow, with the HTTP status and a stable code for the UI. The routes turn it
 * into `{error, message}` (plus headers such as Retry-After).
 */
export class WorkflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the error body beside `error` and `message` (e.g. the sample a duplicate names). */
    readonly body: Record<string, string> = {},
  ) {
    super(message);
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
