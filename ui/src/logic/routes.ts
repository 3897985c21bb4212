/**
 * Where the nurse is, kept in the address's hash: a reload (after a power cut or a daemon restart)
 * opens the same screen of the same sample.
 */
export type Route =
  | { screen: 'home' }
  | { screen: 'new'; reference?: string }
  | { screen: 'capture'; sampleId: string }
  | { screen: 'field'; sampleId: string; fieldId: string; cellId?: string }
  | { screen: 'differential'; sampleId: string }
  | { screen: 'review'; sampleId: string }
  | { screen: 'sign'; sampleId: string }
  | { screen: 'report'; sampleId: string }
  | { screen: 'settings' }
  | { screen: 'health' }
  | { screen: 'sync' }
  | { screen: 'user' };

const ID = '[0-9a-f-]{36}';
const PATTERNS: [RegExp, (m: RegExpMatchArray) => Route][] = [
  [/^#?\/?$/, () => ({ screen: 'home' })],
  [/^#\/new(?:\/([^/]+))?$/, (m) => (m[1] ? { screen: 'new', reference: decodePart(m[1]) } : { screen: 'new' })],
  [/^#\/settings$/, () => ({ screen: 'settings' })],
  [/^#\/health$/, () => ({ screen: 'health' })],
  [/^#\/sync$/, () => ({ screen: 'sync' })],
  [/^#\/user$/, () => ({ screen: 'user' })],
  [new RegExp(`^#/samples/(${ID})/capture$`), (m) => ({ screen: 'capture', sampleId: m[1]! })],
  [new RegExp(`^#/samples/(${ID})/differential$`), (m) => ({ screen: 'differential', sampleId: m[1]! })],
  [new RegExp(`^#/samples/(${ID})/review$`), (m) => ({ screen: 'review', sampleId: m[1]! })],
  [new RegExp(`^#/samples/(${ID})/sign$`), (m) => ({ screen: 'sign', sampleId: m[1]! })],
  [new RegExp(`^#/samples/(${ID})/report$`), (m) => ({ screen: 'report', sampleId: m[1]! })],
  [
    new RegExp(`^#/samples/(${ID})/fields/(${ID})(?:/cells/(${ID}))?$`),
    (m) => (m[3] ? { screen: 'field', sampleId: m[1]!, fieldId: m[2]!, cellId: m[3] } : { screen: 'field', sampleId: m[1]!, fieldId: m[2]! }),
  ],
];

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The route of a location hash; anything unknown is home. */
export function parseRoute(hash: string): Route {
  for (const [re, make] of PATTERNS) {
    const m = hash.match(re);
    if (m) return make(m);
  }
  return { screen: 'home' };
}

export function routeHash(route: Route): string {
  switch (route.screen) {
    case 'home':
      return '#/';
    case 'new':
      return route.reference ? `#/new/${encodeURIComponent(route.reference)}` : '#/new';
    case 'settings':
    case 'health':
    case 'sync':
    case 'user':
      return `#/${route.screen}`;
    case 'field':
      return `#/samples/${route.sampleId}/fields/${route.fieldId}${route.cellId ? `/cells/${route.cellId}` : ''}`;
    default:
      return `#/samples/${route.sampleId}/${route.screen}`;
  }
}

/** Where Back goes: up one level, not back in history (a nurse who jumped to a cell goes to its sample). */
export function parentRoute(route: Route): Route | null {
  switch (route.screen) {
    case 'home':
      return null;
    case 'capture':
    case 'field':
    case 'review':
    case 'sign':
    case 'report':
      return { screen: 'differential', sampleId: route.sampleId };
    default:
      return { screen: 'home' };
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return routeHash(a) === routeHash(b);
}
