/*
 * The reviewer's sample page, from the keyboard (served by the hub at /review/assets/review-keys.js;
 * the page works without it). Tiles take the focus, the first one as the page opens (arrow keys move
 * it along the grid, Tab too); a
 * class key from the page's legend sets the focused cell's type, Backspace puts back its type from
 * before this review; the tile shows the change at once and the summary of changes follows. Arrow
 * keys never change a type: on a type choice they move the focus instead, and after a choice is made
 * with the mouse the focus goes back to its tile. Enter on a tile does nothing. Sign (or Ctrl+Enter)
 * first shows the changes and asks to confirm, with the focus on the password field while it is
 * empty; Enter there (or a second press of Sign) signs, with the same form post.
 * D marks the focused cell a duplicate (its choice "remove"). A tap or click on a field photo
 * places a missed cell there: a box of a leukocyte's size at the field's scale (the field's
 * data-cell-side), listed with a type to choose (the page's template, so its words are the page's)
 * and posted as add.K.field, add.K.box and add.K.type.
 */
/* global document, window */
(() => {
  const form = document.querySelector('form[data-review]');
  if (!form) return;
  form.classList.add('js');
  const legend = document.getElementById('keys');
  if (legend) legend.hidden = false;
  const tiles = Array.from(form.querySelectorAll('.tile'));
  const keys = new Map(Array.from(document.querySelectorAll('#keys [data-key]')).map((el) => [el.dataset.key, el.dataset.type]));
  const titles = new Map();
  const summary = document.getElementById('changes');
  const list = summary.querySelector('ul');
  const none = summary.querySelector('.none');
  // What the script writes, in the page's language: the summary's data- attributes (gallery.ts changeSummary), {name} filled here.
  const words = summary.dataset;
  const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  const plural = new Intl.PluralRules(document.documentElement.lang || 'en');
  const sign = document.getElementById('sign');
  const signText = sign.textContent;
  let confirming = false;

  for (const tile of tiles) {
    tile.tabIndex = 0;
    const select = tile.querySelector('select');
    // Tab goes from tile to tile; the choice is still there for the mouse and touch.
    select.tabIndex = -1;
    for (const o of select.options) titles.set(o.value, o.textContent);
  }

  const selectOf = (tile) => tile.querySelector('select');

  const addedSection = document.getElementById('added-cells');
  const addedList = addedSection ? addedSection.querySelector('ul') : null;
  const addedTemplate = document.getElementById('added-cell-template');
  const addedEntries = () => (addedList ? Array.from(addedList.querySelectorAll('li[data-added]')) : []);

  function changes() {
    const out = [];
    for (const tile of tiles) {
      const to = selectOf(tile).value;
      if (to !== tile.dataset.from) out.push({ n: tile.dataset.n, id: tile.dataset.cell, from: tile.dataset.from, to });
    }
    for (const li of addedEntries()) {
      const select = li.querySelector('select');
      out.push({ id: 'added', label: li.querySelector('.what').textContent, to: select.options[select.selectedIndex].textContent });
    }
    return out;
  }

  function refresh() {
    const all = changes();
    list.replaceChildren(
      ...all.map((c) => {
        const li = document.createElement('li');
        li.dataset.change = c.id;
        li.textContent = c.label ? fill(words.addedItem, { cell: c.label, type: c.to }) : fill(words.changeItem, { n: c.n, from: titles.get(c.from) ?? c.from, to: titles.get(c.to) ?? c.to });
        return li;
      }),
    );
    none.hidden = all.length > 0;
    for (const tile of tiles) tile.classList.toggle('changed', selectOf(tile).value !== tile.dataset.from);
    if (confirming) {
      confirming = false;
      summary.classList.remove('confirm');
      sign.textContent = signText;
    }
  }

  function show(tile) {
    tile.classList.remove('flash');
    // Restarts the highlight's animation.
    void tile.offsetWidth;
    tile.classList.add('flash');
    refresh();
  }

  function setType(tile, type) {
    const select = selectOf(tile);
    if (!Array.from(select.options).some((o) => o.value === type) || select.value === type) return;
    select.value = type;
    show(tile);
  }

  /** The tile the arrow key leads to from `tile`, or null at the edge. */
  function next(tile, key) {
    const i = tiles.indexOf(tile);
    if (key === 'ArrowRight') return tiles[i + 1] ?? null;
    if (key === 'ArrowLeft') return tiles[i - 1] ?? null;
    if (key === 'Home') return tiles[0];
    if (key === 'End') return tiles[tiles.length - 1];
    // Up and down: the nearest tile by its centre in the nearest row above or below.
    const at = tile.getBoundingClientRect();
    const cx = at.left + at.width / 2;
    const down = key === 'ArrowDown';
    let best = null;
    let bestRow = Infinity;
    let bestDx = Infinity;
    for (const t of tiles) {
      if (t === tile) continue;
      const r = t.getBoundingClientRect();
      const dy = down ? r.top - at.top : at.top - r.top;
      if (dy < at.height / 2) continue;
      const dx = Math.abs(r.left + r.width / 2 - cx);
      if (dy < bestRow - 1 || (Math.abs(dy - bestRow) <= 1 && dx < bestDx)) {
        best = t;
        bestRow = dy;
        bestDx = dx;
      }
    }
    return best;
  }

  const ARROWS = new Set(['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End']);

  document.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        sign.click();
        return;
      }
      const target = e.target;
      const tile = target.closest ? target.closest('.tile') : null;
      if (!tile || e.altKey || e.ctrlKey || e.metaKey) return;
      if (ARROWS.has(e.key)) {
        // Never a type change by arrow, on the tile or on its choice.
        e.preventDefault();
        const to = next(tile, e.key);
        (to ?? tile).focus();
        return;
      }
      // The digit row by its position too: on an AZERTY keyboard it types &é"'( without Shift.
      const digit = /^(?:Digit|Numpad)([0-9])$/.exec(e.code)?.[1];
      const type = keys.get(e.key.toLowerCase()) ?? (digit === undefined ? undefined : keys.get(digit));
      if (type) {
        e.preventDefault();
        setType(tile, type);
        tile.focus();
        return;
      }
      if (e.key === 'Backspace' || e.key === 'Delete') {
        e.preventDefault();
        setType(tile, tile.dataset.from);
        tile.focus();
        return;
      }
      // Enter and Space on a tile: nothing (no form post, no page scroll).
      if ((e.key === 'Enter' || e.key === ' ') && target === tile) e.preventDefault();
    },
    true,
  );

  for (const tile of tiles) {
    selectOf(tile).addEventListener('change', () => {
      show(tile);
      // The next arrow key then moves between tiles, not through this cell's types.
      tile.focus();
    });
  }

  /** Places a missed cell's box on a field photo and lists it, its type to choose. */
  function addCell(field, box) {
    const entries = addedEntries();
    if (entries.length >= Number(addedSection.dataset.max)) return;
    const k = entries.reduce((m, li) => Math.max(m, Number(li.dataset.added) + 1), 0);
    const li = addedTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.added = String(k);
    li.dataset.field = field.dataset.field;
    li.dataset.box = box.join(',');
    for (const input of li.querySelectorAll('[data-part]')) input.name = `add.${k}.${input.dataset.part}`;
    li.querySelector('[data-part=field]').value = field.dataset.field;
    li.querySelector('[data-part=box]').value = box.join(',');
    li.querySelector('[data-seq]').textContent = field.dataset.seq;
    addedList.append(li);
    const mark = document.createElement('div');
    mark.className = 'box added pending';
    mark.dataset.addedBox = String(k);
    const [w, h] = [Number(field.dataset.width), Number(field.dataset.height)];
    Object.assign(mark.style, { left: `${(100 * box[0]) / w}%`, top: `${(100 * box[1]) / h}%`, width: `${(100 * (box[2] - box[0])) / w}%`, height: `${(100 * (box[3] - box[1])) / h}%` });
    const label = document.createElement('span');
    label.textContent = '+';
    mark.append(label);
    field.append(mark);
    refresh();
    li.querySelector('select').focus({ preventScroll: true });
  }

  if (addedList && addedTemplate) {
    for (const field of form.querySelectorAll('.field[data-field]')) {
      field.addEventListener('click', (e) => {
        // A tap on a box already there is not a new cell.
        if (e.target.closest('.box')) return;
        const r = field.querySelector('img').getBoundingClientRect();
        const [w, h] = [Number(field.dataset.width), Number(field.dataset.height)];
        const side = Math.max(4, Math.min(Number(field.dataset.cellSide) || 4, w, h));
        const cx = ((e.clientX - r.left) / r.width) * w;
        const cy = ((e.clientY - r.top) / r.height) * h;
        const x1 = Math.round(Math.min(Math.max(cx - side / 2, 0), w - side));
        const y1 = Math.round(Math.min(Math.max(cy - side / 2, 0), h - side));
        addCell(field, [x1, y1, x1 + side, y1 + side]);
      });
    }
    addedList.addEventListener('change', refresh);
    addedList.addEventListener('click', (e) => {
      const drop = e.target.closest('[data-drop]');
      if (!drop) return;
      const li = drop.closest('li[data-added]');
      form.querySelector(`.box[data-added-box="${li.dataset.added}"]`)?.remove();
      li.remove();
      refresh();
    });
  }

  form.addEventListener('submit', (e) => {
    if (confirming) return;
    e.preventDefault();
    refresh();
    const n = changes().length;
    confirming = true;
    summary.classList.add('confirm');
    sign.textContent = n ? fill(plural.select(n) === 'one' ? words.confirmOne : words.confirmOther, { n }) : words.confirmNone;
    summary.scrollIntoView({ block: 'center' });
    // Signing takes the password: its field first when it is empty (Enter there then signs).
    const password = form.elements.namedItem('password');
    (password && !password.value ? password : sign).focus();
  });

  window.addEventListener('pageshow', refresh);
  refresh();
  // The keys work at once: the first cell has the focus, without scrolling the differential away.
  if (tiles.length && document.activeElement === document.body) tiles[0].focus({ preventScroll: true });
})();
