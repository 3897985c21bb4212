import { describe, expect, it } from 'vitest';
import { mapClassName } from '../../../src/eval/datasets/classmap.ts';
import { childText, parseXml } from '../../../src/eval/datasets/xml.ts';

describe('parseXml', () => {
  it('reads elements, attributes, text, entities, comments and CDATA', () => {
    const root = parseXml(`\ufeff<?xml version="1.0"?>
      <!-- a comment -->
      <annotation verified='yes'>
        <name>R&amp;D &#65;&#x42;</name>
        <empty/>
        <note><![CDATA[<raw> & text]]></note>
      </annotation>`);
    expect(root.name).toBe('annotation');
    expect(root.attrs).toEqual({ verified: 'yes' });
    expect(childText(root, 'name')).toBe('R&D AB');
    expect(childText(root, 'empty')).toBe('');
    expect(childText(root, 'note')).toBe('<raw> & text');
  });

  it('rejects malformed documents', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(/does not match/);
    expect(() => parseXml('<a>')).toThrow(/unclosed/);
    expect(() => parseXml('<a/><b/>')).toThrow(/more than one root/);
    expect(() => parseXml('')).toThrow(/no root/);
  });
});

describe('mapClassName', () => {
  it("maps the study's codes and the type names in any case to the type index", () => {
    expect(['NG', 'EG', 'BG', 'L', 'M'].map((n) => mapClassName(n))).toEqual([0, 1, 2, 3, 4].map((type) => ({ kind: 'leukocyte', type })));
    expect(mapClassName('NEUTROPHIL')).toEqual({ kind: 'leukocyte', type: 0 });
    expect(mapClassName('Eosinophils')).toEqual({ kind: 'leukocyte', type: 1 });
    expect(mapClassName(' basophil ')).toEqual({ kind: 'leukocyte', type: 2 });
    expect(mapClassName('lymphocyte')).toEqual({ kind: 'leukocyte', type: 3 });
    expect(mapClassName('Monocyte')).toEqual({ kind: 'leukocyte', type: 4 });
  });

  it('maps WBC names to an untyped leukocyte and keeps RBC and platelets as extra classes', () => {
    for (const n of ['WBC', 'wbc', 'White Blood Cell', 'leukocyte']) expect(mapClassName(n)).toEqual({ kind: 'leukocyte', type: null });
    for (const n of ['RBC', 'red_blood_cell']) expect(mapClassName(n)).toEqual({ kind: 'rbc', type: null });
    for (const n of ['Platelets', 'Platelet', 'PC']) expect(mapClassName(n)).toEqual({ kind: 'platelet', type: null });
    expect(mapClassName('banana')).toBeUndefined();
  });
});
