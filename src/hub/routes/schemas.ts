/** JSON schemas shared by the hub's device API. */
export const SHA256 = '^[0-9a-f]{64}$';
export const sha256 = { type: 'string', pattern: SHA256 } as const;
export { UUID, uuid } from '../../contracts/uuid.ts';

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
