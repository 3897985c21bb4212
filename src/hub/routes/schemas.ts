/** JSON schemas shared by the hub's device API. */
export const SHA256 = '^[0-9a-f]{64}$';
export const sha256 = { type: 'string', pattern: SHA256 } as const;
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const uuid = { type: 'string', pattern: UUID } as const;

export const uploadState = {
  type: 'object',
  required: ['sha256', 'received', 'encoding', 'total'],
  properties: {
    sha256: { type: 'string' },
    received: { type: 'integer' },
    encoding: { type: ['string', 'null'] },
    total: { type: ['integer', 'null'] },
  },
} as const;
