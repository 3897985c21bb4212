/** Signs in on a running hub's reviewer sign-in page, as a browser would; the session cookie to send with later requests. */
export async function hubReviewerSession(base: string, login: string, password: string): Promise<string> {
  const res = await fetch(`${base}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password }).toString(),
  });
  const cookie = /^(leukodiff_review=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 303 || !cookie) throw new Error(`hub sign-in of ${login}: ${res.status}`);
  return cookie;
}
