/**
 * `npm run hub -- <command>`: the hub service and its administration.
 *   serve                                             run the hub (the default)
 *   migrate                                           create or update the database schema, then exit
 *   provision-device --clinic ID [--clinic-name N] [--name BOX]   print a new device token (shown once)
 *   provision-reviewer --login L --name N [--clinic ID]           print a new reviewer password (shown once)
 *   revoke-device --device ID
 *   list-devices
 *   disable-reviewer --login L                        the reviewer can no longer sign in (reviews stay)
 *   reset-reviewer-password --login L                 print a new password (shown once); the old one stops working
 *   list-reviewers
 *   training-consent --clinic ID --on|--off               the clinic opts in to (or out of) training exports
 *   export-training --out DIR [--since DATE] [--clinic ID]  the verified cells of opted-in clinics as a COCO data set (docs/sync.md)
 */
import { parseArgs } from 'node:util';
import { HubConfigError, loadHubConfig } from './config.ts';
import { openHubDb } from './db/connect.ts';
import { ensureClinic, listDevices, provisionDevice, revokeDevice } from './repo/devices.ts';
import { disableReviewer, listReviewers, provisionReviewer, resetReviewerPassword } from './repo/reviewers.ts';
import { buildHub } from './server.ts';

const CLINIC = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fail(message: string): number {
  process.stderr.write(`leukodiff hub: ${message}\n`);
  return 2;
}

async function admin(fn: (db: Awaited<ReturnType<typeof openHubDb>>) => Promise<number>): Promise<number> {
  const db = await openHubDb(loadHubConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function serve(): Promise<number> {
  const config = loadHubConfig();
  const app = await buildHub(config);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    return fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  const db = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  app.log.info(`hub listening (${db}${config.tlsCertFile ? ', TLS' : ''})`);
  const stop = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
  return new Promise<number>(() => {});
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      clinic: { type: 'string' },
      'clinic-name': { type: 'string' },
      name: { type: 'string' },
      login: { type: 'string' },
      device: { type: 'string' },
      out: { type: 'string' },
      since: { type: 'string' },
      on: { type: 'boolean' },
      off: { type: 'boolean' },
    },
    strict: true,
  });
  const now = new Date().toISOString();
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return admin(async () => {
        process.stdout.write('hub database is up to date\n');
        return 0;
      });
    case 'provision-device': {
      const clinic = values.clinic;
      if (!clinic || !CLINIC.test(clinic)) return fail('provision-device needs --clinic ID (letters, digits, . _ -)');
      return admin(async ({ db }) => {
        await ensureClinic(db, clinic, values['clinic-name'] ?? clinic, now);
        const { device, token } = await provisionDevice(db, clinic, values.name ?? `box of ${clinic}`, now);
        process.stderr.write(`device ${device.id} of clinic ${clinic}: give the box this token (LEUKODIFF_HUB_TOKEN or a token file); it is not shown again\n`);
        process.stdout.write(`${token}\n`);
        return 0;
      });
    }
    case 'provision-reviewer': {
      const { login, name, clinic } = values;
      if (!login || !/^[a-z0-9][a-z0-9._-]{1,63}$/.test(login) || !name) return fail('provision-reviewer needs --login (lowercase) and --name, and may take --clinic ID');
      if (clinic !== undefined && !CLINIC.test(clinic)) return fail('--clinic: letters, digits, . _ -');
      return admin(async ({ db }) => {
        if (clinic) await ensureClinic(db, clinic, clinic, now);
        const { password } = await provisionReviewer(db, { login, name, clinicId: clinic ?? null }, now);
        process.stderr.write(`reviewer ${login} (${clinic ? `clinic ${clinic}` : 'every clinic'}): password below, not shown again\n`);
        process.stdout.write(`${password}\n`);
        return 0;
      });
    }
    case 'revoke-device': {
      const id = values.device;
      if (!id) return fail('revoke-device needs --device ID');
      return admin(async ({ db }) => {
        if (!(await revokeDevice(db, id, now))) return fail(`no active device ${id}`);
        process.stdout.write(`device ${id} revoked\n`);
        return 0;
      });
    }
    case 'list-devices':
      return admin(async ({ db }) => {
        for (const d of await listDevices(db)) {
          process.stdout.write(`${d.id}  ${d.clinicId}  ${d.name}  ${d.revokedAt ? `revoked ${d.revokedAt}` : `last seen ${d.lastSeenAt ?? 'never'}`}\n`);
        }
        return 0;
      });
    case 'disable-reviewer': {
      const login = values.login;
      if (!login) return fail('disable-reviewer needs --login L');
      return admin(async ({ db }) => {
        if (!(await disableReviewer(db, login, now))) return fail(`no active reviewer ${login}`);
        process.stdout.write(`reviewer ${login} disabled: can no longer sign in\n`);
        return 0;
      });
    }
    case 'reset-reviewer-password': {
      const login = values.login;
      if (!login) return fail('reset-reviewer-password needs --login L');
      return admin(async ({ db }) => {
        const password = await resetReviewerPassword(db, login);
        if (!password) return fail(`no active reviewer ${login}`);
        process.stderr.write(`reviewer ${login}: new password below, not shown again; the old one no longer works\n`);
        process.stdout.write(`${password}\n`);
        return 0;
      });
    }
    case 'list-reviewers':
      return admin(async ({ db }) => {
        for (const r of await listReviewers(db)) {
          process.stdout.write(`${r.login}  ${r.name}  ${r.clinicId ?? 'every clinic'}  ${r.disabledAt ? `disabled ${r.disabledAt}` : 'active'}\n`);
        }
        return 0;
      });
    case 'training-consent':
      return admin(async (db) => (await import('./export/cli.ts')).trainingConsentCommand(db, values, fail));
    case 'export-training':
      return admin(async (db) => (await import('./export/cli.ts')).exportTrainingCommand(db, values, fail));
    default:
      return fail(
        `unknown command ${command} (serve, migrate, provision-device, provision-reviewer, revoke-device, list-devices, disable-reviewer, reset-reviewer-password, list-reviewers, training-consent, export-training)`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    if (err instanceof HubConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`leukodiff hub: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`leukodiff hub: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    }
  },
);
