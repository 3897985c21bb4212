import { describe, expect, it } from 'vitest';
import { parentRoute, parseRoute, routeHash, type Route } from '../../ui/src/logic/routes.ts';

const S = '0d9b804f-556f-4079-9ced-31c0df2f3968';
const F = 'a31a5ca6-a438-4401-ad54-a8dfe327d0ea';
const C = 'b41a5ca6-a438-4401-ad54-a8dfe327d0eb';

const ALL: Route[] = [
  { screen: 'home' },
  { screen: 'new' },
  { screen: 'new', reference: 'S/2002 A' },
  { screen: 'capture', sampleId: S },
  { screen: 'field', sampleId: S, fieldId: F },
  { screen: 'field', sampleId: S, fieldId: F, cellId: C },
  { screen: 'differential', sampleId: S },
  { screen: 'sign', sampleId: S },
  { screen: 'report', sampleId: S },
  { screen: 'settings' },
  { screen: 'health' },
  { screen: 'sync' },
];

describe('routes kept in the address hash', () => {
  it.each(ALL.map((r) => [routeHash(r), r] as const))('%s round-trips', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('opens home for an empty or unknown address', () => {
    for (const hash of ['', '#', '#/', '#/nope', `#/samples/not-an-id/capture`, '#/samples//sign']) expect(parseRoute(hash)).toEqual({ screen: 'home' });
  });

  it('goes back up one level, not back in history', () => {
    expect(parentRoute({ screen: 'home' })).toBeNull();
    expect(parentRoute({ screen: 'field', sampleId: S, fieldId: F, cellId: C })).toEqual({ screen: 'differential', sampleId: S });
    expect(parentRoute({ screen: 'report', sampleId: S })).toEqual({ screen: 'differential', sampleId: S });
    expect(parentRoute({ screen: 'differential', sampleId: S })).toEqual({ screen: 'home' });
    expect(parentRoute({ screen: 'settings' })).toEqual({ screen: 'home' });
  });
});
