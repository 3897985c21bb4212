const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value safe inside HTML and SVG. */
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- any value is accepted and shown as String() shows it
export const escapeMarkup = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
