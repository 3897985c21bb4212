/**
 * The one id pattern of the daemon and the hub: a lowercase RFC 9562 UUID, versions 1 to 8, variant
 * 10xx. Every id either program makes comes from `randomUUID()` (v4, lowercase), and the kiosk makes
 * sample ids with `crypto.randomUUID()`; anything else (a path, "..", a quote, the nil UUID, upper
 * case) is refused before any lookup.
 */
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

/** The JSON schema of one id. */
export const uuid = { type: 'string', pattern: UUID } as const;
