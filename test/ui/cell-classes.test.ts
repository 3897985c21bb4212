import { describe, expect, it } from 'vitest';
import * as vocabulary from '../../src/contracts/vocabulary.ts';
import { CELL_CLASSES as UI_CLASSES, CELL_TYPES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES } from '../../ui/src/api/types.ts';
import { en } from '../../ui/src/i18n/en.ts';
import { fr } from '../../ui/src/i18n/fr.ts';
import { TYPE_COLOURS } from '../../ui/src/theme/colours.ts';

/** The kiosk reads the daemon's vocabulary (src/contracts/vocabulary.ts), not a copy of it. */
describe('cell classes, daemon and kiosk', () => {
  it('are the daemon lists themselves', () => {
    expect(UI_CLASSES).toBe(vocabulary.CELL_CLASSES);
    expect(CELL_TYPES).toBe(vocabulary.CELL_TYPES);
    expect(OTHER_LEUKOCYTE_CLASSES).toBe(vocabulary.OTHER_LEUKOCYTE_CLASSES);
    expect(NON_LEUKOCYTE_CLASSES).toBe(vocabulary.NON_LEUKOCYTE_CLASSES);
  });

  it('each have a name, a short name and a colour in both languages', () => {
    for (const c of UI_CLASSES) {
      for (const catalogue of [en, fr]) {
        expect(catalogue, c).toHaveProperty(`type.${c}`);
        expect(catalogue, c).toHaveProperty(`short.${c}`);
      }
      expect(TYPE_COLOURS[c], c).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(new Set(Object.values(TYPE_COLOURS)).size).toBe(UI_CLASSES.length);
  });
});
