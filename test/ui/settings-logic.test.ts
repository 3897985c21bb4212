import { describe, expect, it } from 'vitest';
import type { DeviceHealth } from '../../ui/src/api/types.ts';
import { COUNTING_RULES, countingChanges, countingDraftOf, parseCountingValue } from '../../ui/src/logic/counting-settings.ts';
import { hoursMinutes, summarizeDevice } from '../../ui/src/logic/device.ts';
import { applyText } from '../../ui/src/logic/keypad.ts';
import { draftOf, rangesFromDraft } from '../../ui/src/logic/ranges.ts';
import { isSameDay, todays, unsent } from '../../ui/src/logic/samples.ts';
import { RANGES, sample } from './fixtures.ts';

describe('reference ranges being edited', () => {
  it('gives back the ranges typed, absolute ranges kept', () => {
    const draft = draftOf(RANGES);
    expect(draft.neutrophil).toEqual({ low: '40', high: '75' });
    const out = rangesFromDraft({ ...draft, monocyte: { low: '1.5', high: '12' } }, RANGES)!;
    expect(out.monocyte).toEqual({ percent: { low: 1.5, high: 12 }, absolute: RANGES.monocyte.absolute });
  });

  it('refuses a missing value, a low above its high, more than 100 %', () => {
    const draft = draftOf(RANGES);
    expect(rangesFromDraft({ ...draft, basophil: { low: '', high: '2' } }, RANGES)).toBeNull();
    expect(rangesFromDraft({ ...draft, basophil: { low: '3', high: '2' } }, RANGES)).toBeNull();
    expect(rangesFromDraft({ ...draft, basophil: { low: '0', high: '101' } }, RANGES)).toBeNull();
  });
});

const device = (over: Partial<DeviceHealth>): DeviceHealth => ({
  version: '0',
  backend: { name: 'onnxruntime', reason: '' },
  cpu: { cores: 2, loadPercent: 10, loadAverage: [], temperatureC: null },
  memory: { totalMB: 1, availableMB: 1 },
  disk: { totalMB: 100_000, freeMB: 50_000 },
  gpu: [],
  uptimeSeconds: { system: 0, daemon: 0 },
  queue: { length: 0, capacity: 16 },
  outbox: { pending: 0 },
  ...over,
});

describe('device badge', () => {
  it('warns when the box runs hot or its disk fills', () => {
    expect(summarizeDevice(device({}))).toMatchObject({ temperatureC: null, diskFreeFraction: 0.5, warning: false });
    expect(summarizeDevice(device({ gpu: [{ name: 'g', loadPercent: 1, temperatureC: 85, memoryUsedMB: null, memoryTotalMB: null }] }))).toMatchObject({ temperatureC: 85, hot: true, warning: true });
    expect(summarizeDevice(device({ disk: { totalMB: 100_000, freeMB: 5_000 } }))).toMatchObject({ diskLow: true, warning: true });
    expect(summarizeDevice(device({ disk: { totalMB: 8_000, freeMB: 900 } })).diskLow).toBe(true);
    expect(summarizeDevice(device({ disk: { totalMB: 0, freeMB: 0 } })).diskFreeFraction).toBeNull();
  });

  it('reads an uptime in hours and minutes', () => {
    expect(hoursMinutes(3 * 3600 + 25 * 60 + 59)).toEqual({ h: 3, m: 25 });
  });
});

describe('sample lists', () => {
  it('keeps today’s samples and the ones waiting for the hub', () => {
    const now = new Date(2026, 10, 27, 15, 0);
    const today = { ...sample([]), id: 'a', createdAt: new Date(2026, 10, 27, 8, 0).toISOString(), updatedAt: new Date(2026, 10, 27, 9, 0).toISOString() };
    const old = { ...sample([]), id: 'b', createdAt: new Date(2026, 10, 20).toISOString(), updatedAt: new Date(2026, 10, 20).toISOString() };
    expect(isSameDay(today.createdAt, now)).toBe(true);
    expect(todays([today, old], now).map((s) => s.id)).toEqual(['a']);
    const queued = { ...old, sync: { ...old.sync, state: 'retrying' as const } };
    expect(unsent([today, queued]).map((s) => s.id)).toEqual(['b']);
  });
});

describe('counting settings being edited', () => {
  const current = { targetCount: 100, referenceRanges: RANGES, maxFieldOverlap: 0.3, idleLockMinutes: 10 };

  it('shows the overlap as a whole percentage and sends it back as a share, only what changed', () => {
    const draft = countingDraftOf(current);
    expect(draft).toEqual({ targetCount: '100', maxFieldOverlap: '30', idleLockMinutes: '10' });
    expect(countingChanges(draft, current)).toEqual({});
    expect(countingChanges({ ...draft, maxFieldOverlap: '45' }, current)).toEqual({ maxFieldOverlap: 0.45 });
    expect(countingChanges({ targetCount: '200', maxFieldOverlap: '5', idleLockMinutes: '240' }, current)).toEqual({ targetCount: 200, maxFieldOverlap: 0.05, idleLockMinutes: 240 });
    // A share set through the API that is no whole percentage is not sent back rounded.
    expect(countingChanges(countingDraftOf({ ...current, maxFieldOverlap: 0.333 }), { ...current, maxFieldOverlap: 0.333 })).toEqual({});
    // A daemon that does not report the idle lock: its default.
    expect(countingDraftOf({ targetCount: 100, referenceRanges: RANGES, maxFieldOverlap: 0.3 }).idleLockMinutes).toBe('10');
  });

  it('refuses a missing value or one outside its limits', () => {
    const draft = countingDraftOf(current);
    for (const [field, text] of [
      ['targetCount', '9'],
      ['targetCount', '1001'],
      ['maxFieldOverlap', '4'],
      ['maxFieldOverlap', '96'],
      ['idleLockMinutes', '0'],
      ['idleLockMinutes', '241'],
      ['idleLockMinutes', ''],
    ] as const) {
      expect(parseCountingValue(field, text), `${field} ${text}`).toBeNull();
      expect(countingChanges({ ...draft, [field]: text }, current), `${field} ${text}`).toBeNull();
    }
    expect(parseCountingValue('maxFieldOverlap', '95')).toBe(95);
    expect(parseCountingValue('idleLockMinutes', '1')).toBe(1);
  });

  it('takes no more digits than the largest value has', () => {
    const type = (field: keyof typeof COUNTING_RULES, text: string) => applyText('', text, COUNTING_RULES[field]);
    expect(type('maxFieldOverlap', '305')).toBe('30');
    expect(type('idleLockMinutes', '2405')).toBe('240');
    expect(type('targetCount', '10000')).toBe('1000');
    expect(type('idleLockMinutes', '1.5')).toBe('15');
  });
});
