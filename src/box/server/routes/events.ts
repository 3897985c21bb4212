/**
 * GET /api/events: Server-Sent Events of the workflow (field.queued / analysing / analysed / failed
 * / deleted, cell.changed, sample.changed, sync.changed), one JSON object per event. A client that
 * reconnects with Last-Event-ID gets what it missed, or a `reload` event when that is gone. At
 * most config.maxEventStreams streams are open at once; more are answered 503 too_many_streams.
 */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import type { Published } from '../../workflow/events.ts';

const HEARTBEAT_MS = 15_000;

const frame = (e: Published) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

const events: RoutesPlugin = async (app) => {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them so that close() does not wait for the clients.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Live workflow events (text/event-stream)',
        tags: ['device'],
        headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{1,15}$' } } },
        produces: ['text/event-stream'],
      },
    },
    (req, reply) => {
      // Each stream holds a connection and a file descriptor for as long as the client wants.
      if (open.size >= app.config.maxEventStreams) {
        reply
          .status(503)
          .header('retry-after', '30')
          .send({
            error: 'too_many_streams',
            message: `${open.size} live-event connections are already open (the most this box keeps): close other screens or browser tabs showing the box, then reload`,
          });
        return;
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // HEAD has no body, so nothing would ever flush the headers: the connection hung, holding a stream slot.
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      res.write('retry: 2000\n\n');
      const last = req.headers['last-event-id'];
      if (last !== undefined) {
        const missed = app.events.since(Number(last));
        if (missed === null) res.write('event: reload\ndata: {}\n\n');
        else for (const e of missed) res.write(frame(e));
      }
      const unsubscribe = app.events.subscribe((e) => res.write(frame(e)));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      req.raw.on('close', end);
    },
  );
};

export default events;
