/**
 * The cell vocabulary, written once: the daemon, the hub, the CLI, the bench and the kiosk UI
 * (ui/src/api/types.ts) import it. Copies that cannot import it (the store's SQL CHECK, the Python
 * training code, models/manifest.json, the TensorRT contract in native/src) are checked against it
 * by test/contracts/vocabulary-agreement.test.ts.
 *
 * Orders are contracts: CELL_TYPES is the detectors' class order (index = type id in the models'
 * `scores`), CLASSIFIER_CLASSES the cell classifier's output order; CELL_CLASSES is the order of
 * the kiosk's lists and the API's enums. Plain data only, so that both tsconfigs compile it.
 */

/** The five types of the differential, in class order: models, manifest `classes`, APIs, reports. */
export const CELL_TYPES = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** The study's short names for the five types (its datasets' labels), in the same order. */
export const CELL_TYPE_CODES = ['NG', 'EG', 'BG', 'L', 'M'] as const;

/**
 * Leukocytes beyond the five, named by a person: counted in the differential's total (they are
 * leukocytes in a manual 100-cell count) and reported on their own rows beside the five. A band
 * neutrophil is not added into the neutrophils (CellaVision and Sysmex report it apart).
 */
export const OTHER_LEUKOCYTE_CLASSES = ['band', 'immature_granulocyte', 'blast', 'reactive_lymphocyte'] as const;
export type OtherLeukocyteClass = (typeof OTHER_LEUKOCYTE_CLASSES)[number];

/** Nucleated cells that are not leukocytes in the count: reported as a number per 100 leukocytes. */
export const NON_LEUKOCYTE_CLASSES = ['nrbc', 'smudge'] as const;
export type NonLeukocyteClass = (typeof NON_LEUKOCYTE_CLASSES)[number];

/**
 * What a cell is stored as (the cells table's CHECK): the five types, the other leukocytes, the
 * nucleated non-leukocytes, unidentified ('unclassified'), not a leukocyte. The machine stores only
 * the five, 'unclassified' and 'not_leukocyte'; the rest only a person gives.
 */
export const CELL_CLASSES = [...CELL_TYPES, ...OTHER_LEUKOCYTE_CLASSES, ...NON_LEUKOCYTE_CLASSES, 'unclassified', 'not_leukocyte'] as const;
export type CellClass = (typeof CELL_CLASSES)[number];

/** Classes that are not counted as leukocytes (towards the target and the percentages). */
export const NOT_COUNTED_CLASSES: readonly CellClass[] = [...NON_LEUKOCYTE_CLASSES, 'not_leukocyte'];

/** Whether a cell of this class is a leukocyte of the count: the five, the other leukocytes and unidentified cells. */
export const isCountedClass = (type: string): boolean => (CELL_CLASSES as readonly string[]).includes(type) && !NOT_COUNTED_CLASSES.includes(type as CellClass);

/** Classes whose presence the report flags for a haematologist's attention, in the report's order. */
export const ATTENTION_CLASSES = ['blast', 'immature_granulocyte', 'nrbc'] as const satisfies readonly CellClass[];
export type AttentionClass = (typeof ATTENTION_CLASSES)[number];

/** What the cell classifier can say, in its output order (`probs` columns, manifest `classes`). */
export const CLASSIFIER_CLASSES = [...CELL_TYPES, 'immature_granulocyte', 'erythroblast', 'not_leukocyte'] as const;
export type ClassifierClass = (typeof CLASSIFIER_CLASSES)[number];
