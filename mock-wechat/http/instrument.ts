// What every server-API and client-simulator route shares: scripted faults hit it before the handler (or, with
// `when: "after"`, once the handler ran: the answer lost, replaced or late), and the journal records it as it is
// answered. The admin API is neither faulted nor journalled.
// One hook per route (onRequest, for faults before the handler); everything else happens in answer(), which every
// answer of these routes goes through: an onSend and an onResponse hook on every request cost a load test real
// throughput, for faults that are almost never scripted.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRMSG, WeChatError } from '../errors.js';
import type { ActiveFault, FaultKind, Faults, FaultWhen } from '../faults.js';
import type { Journal, RawEntry } from '../journal.js';

/** Keep at most this much of a raw body in the journal. */
export const JOURNAL_BODY_CHARS = 2048;

export interface RouteTag {
  endpoint: string;
  side: 'server' | 'client';
  /** The client API's name, for a client-side errcode fault's errMsg. */
  api?: string;
}

/** An answer already written as text (a quirk's key order and label), sent as is instead of through the schema. */
export interface WireAnswer {
  text: string;
  contentType: string;
  /** The quirk variants it has, for the journal (rotate mode only). */
  quirks?: string[];
}

/** Per-request scratch, kept off fastify's types: the answer (for the journal), the fault that hit, the user. */
const RESULT = Symbol('mockResult');
const FAULT = Symbol('mockFault');
const AFTER = Symbol('mockFaultAfter');
const RECORDED = Symbol('mockRecorded');
const QUIRKS = Symbol('mockQuirks');
const OPENID = Symbol('mockOpenid');
const TAG = Symbol('mockRoute');
type Req = FastifyRequest & {
  [TAG]?: RouteTag;
  [RESULT]?: { errcode?: unknown; errMsg?: unknown };
  [FAULT]?: FaultKind;
  [AFTER]?: ActiveFault;
  [RECORDED]?: boolean;
  [QUIRKS]?: string[];
  [OPENID]?: string;
};

const GATEWAY_HTML = (status: number) =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export function createInstrument(deps: { now: () => number; faults: Faults; journal: Journal }) {
  const { now, faults, journal } = deps;

  /** Remembers the answer a request got, for the journal's errcode and errMsg. */
  function note(request: FastifyRequest, body: object): void {
    (request as Req)[RESULT] = body as Req[typeof RESULT];
  }

  /** Remembers the user a request concerned (a code's owner, a signed openid), for journal queries by openid. */
  function concern(request: FastifyRequest, openid: string): void {
    (request as Req)[OPENID] = openid;
  }

  function record(request: FastifyRequest, path: string, status: number, durationMs: number, body: unknown = request.body): void {
    const r = request as Req;
    const res = r[RESULT];
    // Keep at most 2 KiB of a raw body, copied so the journal does not pin a 64 KiB request string in memory.
    if (typeof body === 'string' && body.length > JOURNAL_BODY_CHARS) body = Buffer.from(body.slice(0, JOURNAL_BODY_CHARS)).toString();
    if (r[RECORDED]) return;
    r[RECORDED] = true;
    const e: RawEntry = { time: now(), method: request.method, path, query: request.query, body, status, durationMs };
    if (res) {
      if (typeof res.errcode === 'number') e.errcode = res.errcode;
      if (typeof res.errMsg === 'string') e.errMsg = res.errMsg;
    }
    if (r[OPENID] !== undefined) e.openid = r[OPENID];
    if (r[FAULT] !== undefined) e.fault = r[FAULT];
    if (r[AFTER] !== undefined) e.faultWhen = 'after' satisfies FaultWhen;
    // An answer lost or replaced after processing never reached the caller with its quirks; a late one did.
    if (r[QUIRKS] !== undefined && (r[AFTER] === undefined || r[AFTER].kind === 'latency')) e.quirks = r[QUIRKS];
    journal.add(e);
  }

  /**
   * Sends an answer and journals it; a textPlain fault relabels the JSON (a 2024 capture), a fault after processing
   * loses, replaces or delays it. With `wire` (every server-API answer: its quirks' defaults or rotated variants) the
   * text goes out as written, as a Buffer: fastify's serializer would put the keys back in the schema's order, and a
   * string labelled JSON would get `; charset=utf-8` appended to an `encoding=utf-8` label.
   */
  function answer(request: FastifyRequest, reply: FastifyReply, body: object, status = 200, wire?: WireAnswer): void {
    const r = request as Req;
    note(request, body);
    if (wire?.quirks !== undefined) r[QUIRKS] = wire.quirks;
    const t = r[TAG];
    const after = r[AFTER];
    if (after && t) return applyAfter(request, reply, t, after, () => send(request, reply, body, status, wire));
    // A caller already gone (its request timed out half-sent) never sees the answer: status 0, as for a dropped
    // connection.
    const gone = reply.raw.destroyed;
    send(request, reply, body, status, wire);
    // Unrouted (an error before routing): not one of the instrumented routes, nothing to journal.
    if (t) record(request, t.endpoint, gone ? 0 : reply.statusCode, reply.elapsedTime);
  }

  function send(request: FastifyRequest, reply: FastifyReply, body: object, status: number, wire?: WireAnswer): void {
    const textPlain = (request as Req)[FAULT] === 'textPlain';
    if (wire) {
      void reply
        .code(status)
        .header('content-type', textPlain ? 'text/plain' : wire.contentType)
        .send(Buffer.from(wire.text));
    } else if (textPlain) void reply.code(status).type('text/plain').send(JSON.stringify(body));
    else void reply.code(status).send(body);
  }

  /** Runs `then` after `ms`, unless the caller hangs up first: then the request is journalled (status 0) and ends. */
  function delayUnlessClosed(request: FastifyRequest, reply: FastifyReply, t: RouteTag, ms: number, then: () => void): void {
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      then();
    }, ms);
    reply.raw.once('close', () => {
      if (fired) return;
      clearTimeout(timer);
      record(request, t.endpoint, 0, reply.elapsedTime);
    });
  }

  function applyFault(request: FastifyRequest, reply: FastifyReply, t: RouteTag, f: ActiveFault, done: (err?: Error) => void): void {
    (request as Req)[FAULT] = f.kind;
    switch (f.kind) {
      case 'latency':
        // A caller that gives up (its own timeout) closes the connection: the request ends there, unanswered and
        // unprocessed, instead of holding a timer (and the process) for the rest of the latency.
        delayUnlessClosed(request, reply, t, f.latencyMs ?? 1000, () => done());
        return;
      case 'textPlain':
        done();
        return;
      case 'drop':
        // The connection dies with no response at all, as when a proxy resets it.
        record(request, t.endpoint, 0, reply.elapsedTime);
        reply.hijack();
        request.raw.socket?.destroy();
        request.raw.destroy();
        return;
      case 'http5xx': {
        const status = f.status ?? 503;
        void reply.code(status).type('text/html').send(GATEWAY_HTML(status));
        record(request, t.endpoint, status, reply.elapsedTime);
        return;
      }
      case 'errcode': {
        const code = f.errcode ?? -1;
        // The server face's error handler writes it as WeChat would; the client face answers the wx.* fail object.
        if (t.side === 'server') return done(new WeChatError(code, f.errmsg));
        answer(request, reply, { errMsg: `${t.api}:fail ${f.errmsg ?? ERRMSG[code] ?? 'system error'}`, errno: code });
        return;
      }
    }
  }

  /** A fault after processing: the handler ran (state changed) and now its answer (`send`) is lost, replaced or late. */
  function applyAfter(request: FastifyRequest, reply: FastifyReply, t: RouteTag, f: ActiveFault, send: () => void): void {
    switch (f.kind) {
      case 'http5xx': {
        const status = f.status ?? 503;
        void reply.code(status).header('content-type', 'text/html').send(GATEWAY_HTML(status));
        record(request, t.endpoint, status, reply.elapsedTime);
        return;
      }
      case 'latency':
        // Processed; a caller that gives up before the answer comes is journalled with what it never saw.
        delayUnlessClosed(request, reply, t, f.latencyMs ?? 1000, () => {
          send();
          record(request, t.endpoint, reply.statusCode, reply.elapsedTime);
        });
        return;
      default:
        // drop: the connection dies where the answer should have been.
        record(request, t.endpoint, 0, reply.elapsedTime);
        reply.hijack();
        request.raw.socket?.destroy();
        request.raw.destroy();
    }
  }

  // The hook is per route, closing over the route's tag: reading request.routeOptions builds an object per call, which
  // costs real throughput at load-test rates.
  const hooks = (t: RouteTag) => ({
    onRequest: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      (request as Req)[TAG] = t;
      if (faults.size === 0) return done();
      const f = faults.take(t.endpoint, t.side === 'server');
      if (!f) return done();
      if (f.when === 'after') {
        (request as Req)[FAULT] = f.kind;
        (request as Req)[AFTER] = f;
        return done();
      }
      applyFault(request, reply, t, f, done);
    },
  });

  return { answer, note, concern, record, hooks };
}

export type Instrument = ReturnType<typeof createInstrument>;
