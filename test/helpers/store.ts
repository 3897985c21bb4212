/** A workflow context on a real store in a temporary folder, for tests below the HTTP layer. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/box/store/store.ts';
import { Authenticator } from '../../src/box/workflow/auth.ts';
import { markCellsSeen } from '../../src/box/workflow/cells.ts';
import type { WorkflowContext } from '../../src/box/workflow/context.ts';
import { EventBus, type Published } from '../../src/box/workflow/events.ts';
import { hashPin } from '../../src/box/workflow/pin.ts';
import { signSample } from '../../src/box/workflow/signoff.ts';

export interface TestContext {
  ctx: WorkflowContext;
  dir: string;
  events: Published[];
  /** Moves the clock used for timestamps and PIN lock-outs. */
  advance(ms: number): void;
  reopen(): TestContext;
  close(): void;
}

export function tempContext(opts: { dir?: string; queueCapacity?: number; ownsDir?: boolean } = {}): TestContext {
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'leukodiff-wf-'));
  const owns = opts.ownsDir ?? !opts.dir;
  const store = Store.open(dir);
  let t = Date.parse('2026-03-01T08:00:00Z');
  const bus = new EventBus();
  const events: Published[] = [];
  bus.subscribe((e) => events.push(e));
  const ctx: WorkflowContext = {
    store,
    events: bus,
    auth: new Authenticator(store, () => t),
    defaultTarget: 100,
    queueCapacity: opts.queueCapacity ?? 16,
    now: () => new Date(t),
  };
  return {
    ctx,
    dir,
    events,
    advance: (ms) => {
      t += ms;
    },
    reopen() {
      store.close();
      return tempContext({ ...opts, dir, ownsDir: owns });
    },
    close() {
      if (store.db.open) store.close();
      if (owns) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const hashes = new Map<string, Promise<string>>();

/** Adds a user directly in the store (PIN hashes are reused across tests: scrypt is slow on purpose). */
export async function addUser(ctx: WorkflowContext, name: string, role: 'nurse' | 'supervisor', pin: string): Promise<string> {
  const id = `00000000-0000-4000-8000-${String(ctx.store.users.list().length + 1).padStart(12, '0')}`;
  if (!hashes.has(pin)) hashes.set(pin, hashPin(pin));
  ctx.store.users.insert({ id, name, role, pinHash: await hashes.get(pin)!, at: ctx.now().toISOString() });
  return id;
}

/** Signs as a supervisor would after reviewing every counted cell page by page; tests count far below the target, so with a reason. */
export function signReviewed(ctx: WorkflowContext, sampleId: string, cred: { userId: string; pin: string }) {
  const ids = ctx.store.cells.listBySample(sampleId).map((c) => c.id);
  if (ids.length) markCellsSeen(ctx, sampleId, ids, { userId: cred.userId });
  return signSample(ctx, sampleId, cred, { shortReason: 'test sample: a few cells only' });
}
