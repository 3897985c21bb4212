/**
 * The box tells the hub what became of each review (applied, conflict, unknown sample): a row is
 * marked when the hub acknowledged its report. Rows from before this migration are unreported, so
 * the next sync round tells the hub about them too (it ignores what is not its clinic's).
 */
export default `
ALTER TABLE sync_reviews ADD COLUMN reported_at TEXT;
CREATE INDEX sync_reviews_unreported ON sync_reviews (hub_seq) WHERE reported_at IS NULL;
`;
