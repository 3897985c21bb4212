/**
 * Issue 25 item 2, "English and French": every reviewer page in both languages (the worklist, a
 * sample, a review not signed, sign-in, sign-in to sign, the print view), the language switch and
 * its cookie, and the browser's Accept-Language. A French page must hold no sentence of the
 * English catalogue (nor an English class title), and an English page none of the French.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_TITLES, CLASS_TITLES_FR } from '../../src/contracts/cell-names.ts';
import { en, type Message, type MessageKey } from '../../src/hub/web/i18n/en.ts';
import { fr } from '../../src/hub/web/i18n/fr.ts';
import { locale } from '../../src/hub/web/i18n/locale.ts';
import { preferredLang, switchBackTo } from '../../src/hub/web/language.ts';
import { ENGINES, formHeaders, reviewerHeaders, reviewForm, testHub, type TestHub } from './helpers.ts';
import { syncBigSample, type BigSample } from './review-screen-fixtures.ts';

type Lang = 'en' | 'fr';

/** The page's form as posted unchanged: its base and every cell's type (nothing of the added-cell template). */
const formOf = (body: string) => Object.fromEntries(Object.entries(reviewForm(body)).filter(([k]) => /^(cell\.|revision$|reviewsSeen$|amends$)/.test(k)));

const forms = (m: Message) => (typeof m === 'string' ? [m] : [m.one, m.other]);

/** The phrases of a catalogue's messages that the other language writes differently: each message split at its placeholders, the parts of two words or more. */
function phrasesOnlyIn(lang: Lang): string[] {
  const mine = lang === 'en' ? en : fr;
  const other = lang === 'en' ? fr : en;
  const out = new Set<string>();
  for (const key of Object.keys(en) as MessageKey[]) {
    const theirs = new Set(forms(other[key]).flatMap((m) => m.split(/\{\w+\}/).map((p) => p.trim())));
    for (const m of forms(mine[key]))
      for (const part of m.split(/\{\w+\}/).map((p) => p.trim().replace(/^[:;,.·]\s*|\s*[:;,.·]$/g, ''))) if (/\p{L}+\s+\p{L}+/u.test(part) && part.length >= 8 && !theirs.has(part)) out.add(part);
  }
  // The class titles the two languages write differently ("Neutrophils", "Neutrophiles").
  const titles = lang === 'en' ? CLASS_TITLES : CLASS_TITLES_FR;
  const otherTitles = lang === 'en' ? CLASS_TITLES_FR : CLASS_TITLES;
  for (const [type, title] of Object.entries(titles)) if (title !== otherTitles[type as keyof typeof titles]) out.add(title);
  return [...out];
}

const ENGLISH_ONLY = phrasesOnlyIn('en');
const FRENCH_ONLY = phrasesOnlyIn('fr');

/** A page's words as a reader (and a screen reader) gets them: its text and attribute values, entities decoded, without its style sheet. */
const words = (body: string) =>
  body
    .replace(/<style>[\s\S]*?<\/style>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Phrases of the other language that a page holds (a whole word each, so "Neutrophils" is not found inside "Neutrophiles"). */
function leaks(body: string, lang: Lang): string[] {
  const text = words(body);
  const foreign = lang === 'fr' ? ENGLISH_ONLY : FRENCH_ONLY;
  return foreign.filter((p) => new RegExp(`(?<![\\p{L}])${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u').test(text));
}

function expectIn(lang: Lang, body: string, ...phrases: string[]) {
  expect(body).toContain(`<html lang="${lang}">`);
  for (const p of phrases) expect(words(body)).toContain(p);
  expect(leaks(body, lang)).toEqual([]);
}

describe('the hub catalogues', () => {
  it('fill placeholders, choose plurals by the language, and write numbers the French way', () => {
    const f = locale('fr');
    const e = locale('en');
    expect(e.t('list.count', { n: 1 })).toBe('1 sample');
    expect(e.t('list.count', { n: 0 })).toBe('0 samples');
    expect(f.t('list.count', { n: 0 })).toBe('0 échantillon');
    expect(f.t('list.count', { n: 2 })).toBe('2 échantillons');
    expect(f.t('changes.confirm', { n: 5 })).toBe('Confirmer : signer 5 modifications');
    expect(f.t('diff.per100', { n: 2.5 })).toBe('2,5 pour 100 leucocytes');
    expect(f.classTitle('neutrophil')).toBe('Neutrophiles');
    expect(e.classTitle('neutrophil')).toBe('Neutrophils');
    // A class of a newer box: its raw name in both.
    expect(f.classTitle('giant_platelet')).toBe('giant platelet');
    // The leak check has phrases to look for.
    expect(ENGLISH_ONLY).toContain('Changes you will sign');
    expect(FRENCH_ONLY).toContain('Modifications que vous allez signer');
  });

  it('take French from an Accept-Language that prefers it, English otherwise', () => {
    expect(preferredLang('fr-FR,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(preferredLang('fr')).toBe('fr');
    expect(preferredLang('de-DE,fr;q=0.5')).toBe('fr');
    expect(preferredLang('en-GB,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(preferredLang('fr;q=0.4,en;q=0.6')).toBe('en');
    expect(preferredLang('de-DE,de;q=0.9')).toBe('en');
    expect(preferredLang(undefined)).toBe('en');
    expect(preferredLang('*')).toBe('en');
  });

  it('send the switch back to a reviewer page or the sign-in page, never elsewhere', () => {
    expect(switchBackTo('/review/samples/abc?amend=2')).toBe('/review/samples/abc?amend=2');
    expect(switchBackTo('/review/login?next=%2Freview%2Fsamples%2Fabc&expired=1')).toBe('/review/login?next=%2Freview%2Fsamples%2Fabc&expired=1');
    expect(switchBackTo('/review/login?next=https%3A%2F%2Fevil.example')).toBe('/review/login?next=%2Freview');
    expect(switchBackTo('https://evil.example/review')).toBe('/review');
    expect(switchBackTo('//evil.example/review')).toBe('/review');
    expect(switchBackTo(undefined)).toBe('/review');
  });
});

describe.each(ENGINES)('the reviewer pages in English and French (%s)', (engine) => {
  let hub: TestHub;
  let big: BigSample;
  let session: { cookie: string };
  beforeAll(async () => {
    hub = await testHub(engine);
    big = await syncBigSample(hub);
    session = await reviewerHeaders(hub);
    // One review signed, so the pages show a review, its box column and its print block.
    const body = (await get(`/review/samples/${big.sampleId}`, 'en')).body;
    const res = await post({ ...formOf(body), [`cell.${big.cellIds[0]}`]: 'eosinophil', comment: 'one eosinophil', password: hub.reviewer.password }, 'en');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  });
  afterAll(async () => hub?.close());

  const langCookie = (lang: Lang) => `leukodiff_lang=${lang}`;
  const withLang = (lang: Lang, cookie?: string) => ({ cookie: [cookie, langCookie(lang)].filter(Boolean).join('; ') });
  const get = (url: string, lang: Lang, signedIn = true) => hub.app.inject({ method: 'GET', url, headers: withLang(lang, signedIn ? session.cookie : undefined) });
  const post = (form: Record<string, string>, lang: Lang, signedIn = true) =>
    hub.app.inject({
      method: 'POST',
      url: `/review/samples/${big.sampleId}/reviews`,
      headers: { ...formHeaders, ...withLang(lang, signedIn ? session.cookie : undefined) },
      payload: new URLSearchParams(form).toString(),
    });
  const sampleUrl = () => `/review/samples/${big.sampleId}`;

  it('render the worklist', async () => {
    const [e, f] = [(await get('/review?status=all', 'en')).body, (await get('/review?status=all', 'fr')).body];
    expectIn('en', e, 'Synced samples', 'Cells counted', 'reviewed by Dr Ada', 'Sign out');
    expectIn('fr', f, 'Échantillons reçus', 'Cellules comptées', 'relu par Dr Ada', 'Se déconnecter', 'Toutes les cliniques', 'À relire', 'page 1 sur 1');
    // Times stay UTC, and say so.
    expect(f).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('render a sample, with its strings for the page script in the page language', async () => {
    const e = (await get(sampleUrl(), 'en')).body;
    const f = (await get(sampleUrl(), 'fr')).body;
    expectIn('en', e, 'Differential', 'Eosinophils', 'Sign review', 'Changes you will sign');
    expectIn(
      'fr',
      f,
      'Formule leucocytaire',
      'Éosinophiles',
      'Neutrophiles',
      'Signer la relecture',
      'Modifications que vous allez signer',
      'heure de prélèvement non enregistrée',
      'Relectures',
      'en attente du boîtier',
    );
    expect(words(f)).toContain('data-confirm-other="Confirmer : signer {n} modifications"');
    expect(words(f)).toContain('data-change-item="cellule {n} : {from} → {to}"');
    expect(words(e)).toContain('data-confirm-one="Confirm: sign {n} change"');
  });

  it('render the amendment form', async () => {
    const seq = /\?amend=(\d+)/.exec((await get(sampleUrl(), 'en')).body)![1];
    const f = (await get(`${sampleUrl()}?amend=${seq}`, 'fr')).body;
    expectIn('fr', f, 'Modification de la relecture signée le', '1 cellule modifiée', 'Motif de la modification (obligatoire)');
  });

  it('render a review not signed: stale, without a password, with a wrong one', async () => {
    const page = (await get(sampleUrl(), 'fr')).body;
    const form = { ...formOf(page), [`cell.${big.cellIds[1]}`]: 'monocyte', comment: 'deux' };
    const noPassword = await post(form, 'fr');
    expect(noPassword.statusCode).toBe(401);
    expectIn('fr', noPassword.body, 'Non signée : saisissez votre mot de passe pour signer.', 'Vos modifications :', 'cellule 2 : Neutrophiles → Monocytes');
    const wrong = await post({ ...form, password: 'not the password' }, 'fr');
    expect(wrong.statusCode).toBe(401);
    expectIn('fr', wrong.body, 'Non signée : le mot de passe était faux.');
    // Stale: another review is signed on the page's base meanwhile.
    const other = await post({ ...formOf(page), [`cell.${big.cellIds[2]}`]: 'lymphocyte', password: hub.reviewer.password }, 'en');
    expect(other.statusCode).toBe(303);
    const stale = await post({ ...form, password: hub.reviewer.password }, 'fr');
    expect(stale.statusCode).toBe(409);
    expectIn('fr', stale.body, 'Non signée : l’échantillon a changé pendant votre relecture.', 'Modifié entre-temps :', 'par Dr Ada');
    const staleEn = await post({ ...form, password: hub.reviewer.password }, 'en');
    expectIn('en', staleEn.body, 'Not signed: the sample changed while you were reviewing.');
    // A page answering a post has no switch: a link would lose the review.
    expect(stale.body).not.toContain('/review/language/');
  });

  it('render the sign-in pages, and sign-in to sign', async () => {
    const e = (await get('/review/login?expired=1', 'en', false)).body;
    const f = (await get('/review/login?expired=1', 'fr', false)).body;
    expectIn('en', e, 'Sign in to review', 'minutes without activity');
    expectIn('fr', f, 'Se connecter pour relire', 'Identifiant', 'Mot de passe', 'minutes sans activité');
    const wrong = await hub.app.inject({ method: 'POST', url: '/review/login', headers: { ...formHeaders, ...withLang('fr') }, payload: 'login=ada&password=nope' });
    expect(wrong.statusCode).toBe(401);
    expectIn('fr', wrong.body, 'Identifiant ou mot de passe faux.');
    const page = (await get(sampleUrl(), 'en')).body;
    const ended = await post({ ...formOf(page), password: hub.reviewer.password }, 'fr', false);
    expect(ended.statusCode).toBe(401);
    expectIn('fr', ended.body, 'Connectez-vous pour signer votre relecture', 'Votre session est terminée.', 'Se connecter et signer la relecture');
    const endedEn = await post({ ...formOf(page), password: hub.reviewer.password }, 'en', false);
    expectIn('en', endedEn.body, 'Sign in to sign your review');
  });

  it('render the print view', async () => {
    const e = (await get(`${sampleUrl()}/print`, 'en')).body;
    const f = (await get(`${sampleUrl()}/print`, 'fr')).body;
    expectIn('en', e, 'Reviews at the hub', 'Times are UTC.');
    expectIn('fr', f, 'Relectures au hub', 'Heures en UTC.', 'Neutrophiles → Éosinophiles', 'Commentaire : one eosinophil', 'Relu par (nom)');
    expect(f).toMatch(/Imprimé le \d{4}-\d\d-\d\d \d\d:\d\d UTC par Dr Ada/);
  });

  it('switches by the header link: a cookie for /review, and the next page is French', async () => {
    const e = (await hub.app.inject({ method: 'GET', url: sampleUrl(), headers: session })).body;
    const link = /<a lang="fr" hreflang="fr" data-lang="fr" href="([^"]+)">Français<\/a>/.exec(e)?.[1];
    expect(link).toBe(`/review/language/fr?next=${encodeURIComponent(sampleUrl())}`);
    const res = await hub.app.inject({ method: 'GET', url: link!, headers: session });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(sampleUrl());
    const cookie = res.cookies.find((c) => c.name === 'leukodiff_lang');
    expect(cookie).toMatchObject({ value: 'fr', path: '/review', sameSite: 'Lax', httpOnly: true });
    expect(cookie!.maxAge).toBeGreaterThan(30 * 24 * 3600);
    const next = (await hub.app.inject({ method: 'GET', url: sampleUrl(), headers: { cookie: `${session.cookie}; leukodiff_lang=fr` } })).body;
    expectIn('fr', next, 'Formule leucocytaire');
    expect(next).toContain('<strong lang="fr" aria-current="true">Français</strong>');
    // And back; the switch works signed out too, back to the sign-in page.
    const back = await hub.app.inject({ method: 'GET', url: '/review/language/en?next=%2Freview%2Flogin%3Fnext%3D%252Freview', headers: { cookie: 'leukodiff_lang=fr' } });
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe('/review/login?next=%2Freview');
    expect(back.cookies.find((c) => c.name === 'leukodiff_lang')?.value).toBe('en');
    expect((await hub.app.inject({ method: 'GET', url: '/review/language/de' })).statusCode).toBe(400);
  });

  it('takes the browser’s Accept-Language until the reviewer chooses', async () => {
    const at = (headers: Record<string, string>) => hub.app.inject({ method: 'GET', url: '/review/login', headers }).then((r) => r.body);
    expectIn('fr', await at({ 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' }), 'Se connecter pour relire');
    expectIn('en', await at({ 'accept-language': 'en-GB,en;q=0.9,fr;q=0.8' }), 'Sign in to review');
    expectIn('en', await at({ 'accept-language': 'de-DE' }), 'Sign in to review');
    expectIn('en', await at({}), 'Sign in to review');
    // The choice wins over the browser.
    expectIn('en', await at({ 'accept-language': 'fr', cookie: 'leukodiff_lang=en' }), 'Sign in to review');
    const list = (await hub.app.inject({ method: 'GET', url: '/review', headers: { ...session, 'accept-language': 'fr' } })).body;
    expectIn('fr', list, 'Échantillons reçus');
  });
});
