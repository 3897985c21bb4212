/**
 * A small XML reader, enough for Pascal VOC annotations: elements, attributes, text, comments,
 * CDATA, processing instructions, the predefined and numeric entities. No DTDs, no namespaces.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (not its children), entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

export class XmlError extends Error {}

export function parseXml(source: string): XmlElement {
  const src = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new XmlError(`${msg} (line ${line})`);
  };
  const skipPast = (end: string, what: string): void => {
    const j = src.indexOf(end, i);
    if (j < 0) fail(`unterminated ${what}`);
    i = j + end.length;
  };

  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const text = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text);
      else if (text.trim()) fail('text outside the root element');
      i = textEnd;
      continue;
    }
    if (src.startsWith('<!--', i)) {
      skipPast('-->', 'comment');
    } else if (src.startsWith('<![CDATA[', i)) {
      const j = src.indexOf(']]>', i);
      if (j < 0) fail('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      top!.text += src.slice(i + 9, j);
      i = j + 3;
    } else if (src.startsWith('<?', i)) {
      skipPast('?>', 'processing instruction');
    } else if (src.startsWith('<!', i)) {
      skipPast('>', 'declaration');
    } else if (src.startsWith('</', i)) {
      const m = /^<\/\s*([^\s>]+)\s*>/.exec(src.slice(i, i + 256));
      if (!m) fail('bad closing tag');
      const open = stack.pop();
      if (!open || open.name !== m![1]) fail(`closing </${m![1]}> does not match <${open?.name ?? ''}>`);
      i += m![0].length;
    } else {
      const m = /^<([A-Za-z_:][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(src.slice(i, i + 4096));
      if (!m) fail('bad opening tag');
      const el: XmlElement = { name: m![1], attrs: {}, children: [], text: '' };
      for (const a of m![2].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        el.attrs[a[1]] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      if (!m![3]) stack.push(el);
      i += m![0].length;
    }
  }
  if (stack.length) fail(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) fail('no root element');
  return root!;
}

/** First child element with this name, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Trimmed text of the first child with this name, or undefined. */
export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}
