/** The states a sample, a field and a cell's origin can be in, and the roles of people: the daemon stores them, the kiosk shows them. */
export const SAMPLE_STATUSES = ['draft', 'analysing', 'review', 'signed', 'synced'] as const;
export type SampleStatus = (typeof SAMPLE_STATUSES)[number];

export const FIELD_STATUSES = ['queued', 'analysing', 'analysed', 'failed'] as const;
export type FieldStatus = (typeof FIELD_STATUSES)[number];

export const CELL_SOURCES = ['automatic', 'corrected', 'added'] as const;
export type CellSource = (typeof CELL_SOURCES)[number];

export const ROLES = ['nurse', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];
