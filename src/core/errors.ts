/**
 * Errors caused by what the user gave us (a bad file, a bad request), as opposed to faults of the
 * box. The CLI prints `message` on one line and exits 2; the HTTP API replies
 * `{error: code, message}` with `status`. A message is one line a nurse or technician can act on:
 * what is wrong, then what to do.
 */
import { HttpError } from '../contracts/http-error.ts';

/** HTTP status of each known code; any other code (a route's own) gets 400. */
export const INPUT_ERROR_STATUS = {
  /** The file or request body has no bytes. */
  empty_file: 400,
  /** Not a picture at all: text, a PDF, an archive. */
  not_an_image: 400,
  /** A picture in a format the box does not read (GIF, HEIC, SVG, BMP, JPEG 2000, ...). */
  unsupported_format: 415,
  /** The file was cut short: an interrupted copy, upload or camera write. */
  truncated_image: 422,
  /** The image data is damaged. */
  corrupt_image: 422,
  /** The file is complete but its picture data is damaged (part of the picture missing or garbled). */
  damaged_image: 422,
  /** Fewer pixels a side than a cell needs. */
  image_too_small: 422,
  /** More pixels than the limit (also a decompression bomb). */
  image_too_large: 413,
  /** More bytes than the limit. */
  file_too_large: 413,
  /** A path that is missing, a folder, or not readable. */
  unreadable_path: 400,
} as const;

export type KnownInputErrorCode = keyof typeof INPUT_ERROR_STATUS;
/** A known code, or a route's own (e.g. 'bad_ensemble'). */
export type InputErrorCode = KnownInputErrorCode | (string & {});

export class InputError extends HttpError {
  override readonly name = 'InputError';
  declare readonly code: InputErrorCode;
  /** HTTP status, 4xx (the same as statusCode). */
  readonly status: number;

  constructor(code: InputErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    const status = options.status ?? (INPUT_ERROR_STATUS as Record<string, number>)[code] ?? 400;
    super(status, code, message.replace(/\s*\n\s*/g, ' '), {}, {}, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
  }
}
