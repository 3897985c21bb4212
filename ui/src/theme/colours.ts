/**
 * The palette. Type colours are told apart by hue and by a letter on every box and chip, never by
 * colour alone; each carries white text at WCAG AA (checked in test/ui/contrast.test.ts).
 */
import type { CellClass } from '../api/types.ts';

export const COLOURS = {
  page: '#eef0f3',
  surface: '#ffffff',
  text: '#111827',
  muted: '#4b5563',
  line: '#9ca3af',
  primary: '#0b57d0',
  primaryText: '#ffffff',
  secondary: '#e2e8f0',
  secondaryText: '#111827',
  danger: '#b3261e',
  dangerText: '#ffffff',
  success: '#166534',
  successText: '#ffffff',
  warningBg: '#fff1c2',
  warningText: '#5b4300',
  infoBg: '#dbeafe',
  infoText: '#1e3a8a',
  /** Flagged cells: a thick yellow halo around the box, a black "!" on yellow. */
  flag: '#facc15',
  flagText: '#111827',
  bar: '#1f2937',
  barText: '#ffffff',
  focus: '#f59e0b',
} as const;

export const TYPE_COLOURS: Record<CellClass, string> = {
  neutrophil: '#1d4ed8',
  eosinophil: '#c2410c',
  basophil: '#7e22ce',
  lymphocyte: '#15803d',
  monocyte: '#0f766e',
  // The classes only a person gives: related hues for the neutrophil and lymphocyte lines, red for blasts.
  band: '#1e3a8a',
  immature_granulocyte: '#9d174d',
  blast: '#b91c1c',
  reactive_lymphocyte: '#3f6212',
  nrbc: '#a21caf',
  smudge: '#57534e',
  unclassified: '#374151',
  not_leukocyte: '#6b7280',
};

/** Text on a type colour. */
export const TYPE_TEXT = '#ffffff';

/** Pairs that carry text, for the contrast check: [foreground, background, what]. */
export const TEXT_PAIRS: [string, string, string][] = [
  [COLOURS.text, COLOURS.page, 'text on page'],
  [COLOURS.text, COLOURS.surface, 'text on surface'],
  [COLOURS.muted, COLOURS.surface, 'muted on surface'],
  [COLOURS.muted, COLOURS.page, 'muted on page'],
  [COLOURS.primaryText, COLOURS.primary, 'primary button'],
  [COLOURS.secondaryText, COLOURS.secondary, 'secondary button'],
  [COLOURS.dangerText, COLOURS.danger, 'danger button'],
  [COLOURS.successText, COLOURS.success, 'success'],
  [COLOURS.warningText, COLOURS.warningBg, 'warning'],
  [COLOURS.infoText, COLOURS.infoBg, 'info'],
  [COLOURS.flagText, COLOURS.flag, 'flag badge'],
  [COLOURS.barText, COLOURS.bar, 'top bar'],
  ...Object.entries(TYPE_COLOURS).map(([type, colour]): [string, string, string] => [TYPE_TEXT, colour, `${type} chip`]),
];
