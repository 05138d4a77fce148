// GET /__admin/journal/stream: the journal as it grows, as server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html), for the dashboard and for `curl -N`. It reads
// control.journal like every other reader (same masking, same filters: endpoint, openid, errcode), polling it every
// POLL_MS and sending each entry newer than the last one sent as one `entry` event (data: the entry's JSON).
// Behind the admin token like the rest of /__admin/. A browser's EventSource cannot send Authorization, so the
// dashboard reads the stream with fetch().
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminControl } from '../control.js';
import { MockUsageError } from '../errors.js';
import type { JournalEntry, JournalQuery } from '../journal.js';
import { refuseUnauthorized } from './auth.js';

export const JOURNAL_STREAM_PATH = '/__admin/journal/stream';
const POLL_MS = 250;
/** A comment line now and then, so proxies and idle timers see traffic on a quiet journal. */
const HEARTBEAT_MS = 15_000;
/** At most this many entries per poll: a burst larger than this between two polls sends the newest ones. */
const BATCH = 500;
const STREAM_FILTERS = ['endpoint', 'openid', 'errcode'] as const;

export function registerJournalStream(app: FastifyInstance, control: AdminControl, allowed: (request: FastifyRequest) => boolean): void {
  const open = new Set<() => void>();
  // preClose runs before the server stops accepting: an open stream would otherwise hold app.close() forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get(JOURNAL_STREAM_PATH, async (request, reply) => {
    if (!allowed(request)) return refuseUnauthorized(reply);
    const query = request.query as Record<string, unknown>;
    for (const k of Object.keys(query)) {
      if (!(STREAM_FILTERS as readonly string[]).includes(k)) {
        return reply.code(400).send({ error: `journal stream: unknown parameter "${k}" (allowed: ${STREAM_FILTERS.join(', ')})` });
      }
    }
    const filter = query as JournalQuery;
    let last: number;
    try {
      // Checks the filters (a 400 naming a bad one). Entries already there are for GET /__admin/journal: the stream
      // starts after the journal's newest.
      control.journal({ ...filter, limit: 1 });
      last = control.journal({ limit: 1 })[0]?.id ?? 0;
    } catch (err) {
      if (err instanceof MockUsageError) return reply.code(err.status).send({ error: err.message });
      throw err;
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`: journal stream from id ${last}\n\n`);
    const poll = () => {
      let fresh: JournalEntry[];
      try {
        fresh = control.journal({ ...filter, limit: BATCH });
      } catch {
        return end();
      }
      const out: string[] = [];
      for (let i = fresh.length - 1; i >= 0; i--) {
        const e = fresh[i]!;
        if (e.id <= last) continue;
        out.push(`id: ${e.id}\nevent: entry\ndata: ${JSON.stringify(e)}\n\n`);
        last = e.id;
      }
      if (out.length > 0) res.write(out.join(''));
    };
    const timer = setInterval(poll, POLL_MS);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    function end() {
      clearInterval(timer);
      clearInterval(beat);
      open.delete(end);
      if (!res.writableEnded) res.end();
    }
    open.add(end);
    request.raw.on('close', end);
    res.on('close', end);
    res.on('error', end);
  });
}
