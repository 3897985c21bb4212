/**
 * The hub CLI's training commands (src/hub/main.ts): `export-training` and `training-consent`.
 * Each returns the exit code; a refusal is one line on stderr and exit code 2.
 */
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../project-root.ts';
import type { HubDb } from '../db/connect.ts';
import { setTrainingConsent } from '../repo/training-consent.ts';
import { ExportError, exportTraining } from './run.ts';

type Fail = (message: string) => number;

/** `--since`: a date (UTC midnight) or an ISO time with its zone; the ISO time, or null when it is not one. */
export function parseSince(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Date.parse rolls 2026-02-30 over into March: a date that does not exist is refused.
  return text.length === 10 && iso.slice(0, 10) !== text ? null : iso;
}

/** manifest.json's `created`: SOURCE_DATE_EPOCH (seconds) when set, for byte-identical reruns; else now. */
function createdAt(env: NodeJS.ProcessEnv): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

export async function exportTrainingCommand(hub: HubDb, values: { out?: string; since?: string; clinic?: string }, fail: Fail): Promise<number> {
  if (!values.out) return fail('export-training needs --out DIR (a new or empty folder, or one with a partial export of the same filters)');
  const since = values.since === undefined ? null : parseSince(values.since);
  if (values.since !== undefined && since === null) return fail(`--since ${values.since}: give a date as YYYY-MM-DD or an ISO time such as 2026-03-01T00:00:00Z`);
  try {
    const manifest = await exportTraining(hub, {
      out: path.resolve(values.out),
      since,
      clinic: values.clinic ?? null,
      now: createdAt(process.env),
      modelsDir: process.env.LEUKODIFF_MODELS ?? path.join(PROJECT_ROOT, 'models'),
    });
    for (const c of manifest.clinics) process.stdout.write(`clinic ${c.id}: ${c.cells} cells in ${c.images} fields of ${c.samples} samples\n`);
    for (const c of manifest.skippedClinics) process.stdout.write(`clinic ${c.id}: skipped, no consent to training exports\n`);
    process.stdout.write(`${manifest.counts.annotations} verified cells, ${manifest.counts.crops} crops in ${values.out} (${manifest.counts.unverifiedCells} cells nobody verified left out)\n`);
    return 0;
  } catch (err) {
    if (err instanceof ExportError) return fail(err.message);
    throw err;
  }
}

export async function trainingConsentCommand(hub: HubDb, values: { clinic?: string; on?: boolean; off?: boolean }, fail: Fail): Promise<number> {
  const { clinic, on, off } = values;
  if (!clinic || Boolean(on) === Boolean(off)) return fail('training-consent needs --clinic ID and either --on or --off');
  const by = os.userInfo().username;
  if (!(await setTrainingConsent(hub.db, clinic, Boolean(on), by, new Date().toISOString()))) return fail(`no clinic ${clinic} at this hub`);
  process.stdout.write(`clinic ${clinic}: ${on ? 'opted in to' : 'opted out of'} training exports\n`);
  return 0;
}
