import { describe, expect, it } from 'vitest';
import { CELL_CLASSES as STORE_CLASSES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES } from '../../src/store/types.ts';
import { CELL_CLASSES as UI_CLASSES, NON_LEUKOCYTES, OTHER_LEUKOCYTES } from '../../ui/src/api/types.ts';
import { en } from '../../ui/src/i18n/en.ts';
import { fr } from '../../ui/src/i18n/fr.ts';
import { TYPE_COLOURS } from '../../ui/src/theme/colours.ts';

/** The kiosk keeps its own copy of the daemon's class list (until one shared source): they must not drift. */
describe('cell classes, daemon and kiosk', () => {
  it('are the same list in the same order', () => {
    expect([...UI_CLASSES]).toEqual([...STORE_CLASSES]);
    expect([...OTHER_LEUKOCYTES]).toEqual([...OTHER_LEUKOCYTE_CLASSES]);
    expect([...NON_LEUKOCYTES]).toEqual([...NON_LEUKOCYTE_CLASSES]);
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
