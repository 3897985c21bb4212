/**
 * The repository stands on its own: no file refers to one outside it (the design brief or the
 * shared folder that sat beside the first checkouts), and every relative link in its Markdown
 * files leads to a file or folder that exists. Scans the files git tracks plus new ones it does not
 * ignore, so a reference fails here before it is committed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

/** This file names the patterns, so it is the one file not scanned for them. */
const SELF = path
  .relative(ROOT, fileURLToPath(import.meta.url))
  .split(path.sep)
  .join('/');

const OUTSIDE_PATTERNS = [/\.\.\/shared\b/, /\/work\/shared\b/, /\bDESIGN\.md\b/, /\bDESIGN's\b/];

/** Text files of the working tree that git tracks or would track (repository-relative, '/'-separated). */
function repoTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter((f) => {
    if (!f || f.startsWith('node_modules/')) return false;
    const abs = path.join(ROOT, f);
    // A tracked file deleted in the working tree, a submodule, a link: nothing to read.
    if (!existsSync(abs) || !statSync(abs).isFile()) return false;
    return !readFileSync(abs).subarray(0, 8000).includes(0);
  });
}

/** Each line of `text` that refers to a file outside the repository, as "line: text". */
function outsideReferences(text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (OUTSIDE_PATTERNS.some((p) => p.test(line))) hits.push(`${i + 1}: ${line.trim()}`);
  });
  return hits;
}

/** Markdown without fenced code blocks and inline code spans, where brackets are not links. */
function withoutCode(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The link targets of a Markdown text that are relative paths (no scheme, not a bare #anchor), without their #anchor. */
function relativeLinks(md: string): string[] {
  const text = withoutCode(md);
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*(?:<([^>\n]*)>|([^)\s]*))(?:\s+["'(][^)]*)?\s*\)/g)) targets.push(m[1] ?? m[2]);
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*<?([^\s>]+)>?/gm)) targets.push(m[1]);
  return targets.filter((t) => t !== '' && !t.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(t)).map((t) => decodeURI(t.replace(/[#?].*$/, '')));
}

/** Where a link in `file` leads, or null when it leaves the repository. */
function resolveLink(file: string, target: string): string | null {
  const abs = target.startsWith('/') ? path.join(ROOT, target) : path.resolve(ROOT, path.dirname(file), target);
  const rel = path.relative(ROOT, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : abs;
}

describe('the reference checks themselves', () => {
  it('find the shared folder and the design brief, and nothing else', () => {
    const text = ['see ../shared/data/bccd', 'copied from /work/shared/eval-vectors', 'DESIGN.md, "The ensemble"', "DESIGN's budget", 'a shared/ folder, the design, DESIGNER.md'].join('\n');
    expect(outsideReferences(text).map((h) => h.split(':')[0])).toEqual(['1', '2', '3', '4']);
  });

  it('take relative link targets, and leave out URLs, anchors and code', () => {
    const md = [
      'Read [the map](ARCHITECTURE.md#layers) and [api](docs/api.md "API"), ![figure](<models/eval/a b.png>).',
      '[site](https://example.org/x.md), [mail](mailto:a@b.c), [here](#tests), `[not](a-link.md)`',
      '```',
      '[inside](a-fence.md)',
      '```',
      '[ref]: ../up.md',
    ].join('\n');
    expect(relativeLinks(md)).toEqual(['ARCHITECTURE.md', 'docs/api.md', 'models/eval/a b.png', '../up.md']);
  });

  it('count a link that climbs out of the repository as leaving it', () => {
    expect(resolveLink('docs/api.md', '../../shared/DESIGN.md')).toBeNull();
    expect(resolveLink('docs/api.md', '../README.md')).toBe(path.join(ROOT, 'README.md'));
  });
});

describe('the repository', () => {
  const files = repoTextFiles();
  const markdown = files.filter((f) => f.endsWith('.md'));

  it('has no reference to a file outside it', () => {
    expect(files.length).toBeGreaterThan(100);
    const found = files.filter((f) => f !== SELF).flatMap((f) => outsideReferences(readFileSync(path.join(ROOT, f), 'utf8')).map((h) => `${f}:${h}`));
    expect(found, 'refer to ARCHITECTURE.md or commit what is needed (test/fixtures/) instead').toEqual([]);
  });

  it('has Markdown links that all lead to files in it', () => {
    let checked = 0;
    const broken: string[] = [];
    for (const f of markdown) {
      for (const target of relativeLinks(readFileSync(path.join(ROOT, f), 'utf8'))) {
        checked++;
        const abs = resolveLink(f, target);
        if (abs === null) broken.push(`${f}: ${target} (outside the repository)`);
        else if (!existsSync(abs)) broken.push(`${f}: ${target} (no such file)`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('points newcomers from the README to the map and the contribution guide', () => {
    const links = relativeLinks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(links).toEqual(expect.arrayContaining(['ARCHITECTURE.md', 'CONTRIBUTING.md']));
  });
});
