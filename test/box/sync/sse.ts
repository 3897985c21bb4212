/** Reads a box's SSE stream (GET /api/events) until an event matches, or times out. */
export async function waitForEvent(baseUrl: string, match: (e: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(`${baseUrl}/api/events`, { headers: { 'last-event-id': '0' }, signal: ctrl.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended');
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const e = JSON.parse(data.slice(6));
        if (match(e)) return e;
      }
    }
  } catch (err) {
    if (ctrl.signal.aborted) throw new Error('no matching event in time');
    throw err;
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
}
