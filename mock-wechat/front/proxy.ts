// An HTTP CONNECT proxy (RFC 9110 9.3.6) that reaches the mock and nothing else: a client run with HTTPS_PROXY keeps
// https://api.weixin.qq.com in its code and lands on the mock's HTTPS face; any other host is answered 403 before
// any name is looked up or any socket is opened. It only ever dials the mock's own listening sockets.
// Built, not listening; the caller listens and calls close().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { resolveServerOptions } from '../http/server.js';
import { WECHAT_API_HOST } from './defaults.js';
import type { ServerGuards } from './tls.js';

export interface ProxyTargets {
  /** The HTTPS face: CONNECT api.weixin.qq.com:443, and its own host:port, tunnel here. */
  tls: NetServer;
  /** The plain face (the fastify app's server): reachable at its own host:port only. */
  http?: NetServer;
  /**
   * Answers a request sent to the proxy in absolute form for api.weixin.qq.com (`GET https://api.weixin.qq.com/...`):
   * what axios before its CONNECT fix sends with HTTPS_PROXY set (https://github.com/axios/axios/issues/4531).
   * Without it such requests are refused too.
   */
  handle?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface ProxyOptions extends ServerGuards {
  targets: ProxyTargets;
  /** Told about every refused destination ("example.com:443"), e.g. to show what a client tried to reach. */
  onRefused?: (destination: string) => void;
}

export interface ConnectProxy {
  server: Server;
  /** Stops listening and ends every open tunnel. */
  close(): Promise<void>;
}

const REFUSED_TAIL = `this proxy only reaches the mock of ${WECHAT_API_HOST} (nothing leaves this machine)`;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARDS = new Set(['0.0.0.0', '::']);

/** host:port or [v6]:port as a CONNECT request target carries it; names lower-cased, a trailing dot dropped. */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, ''), port };
}

export function createConnectProxy(opts: ProxyOptions): ConnectProxy {
  const g = resolveServerOptions(opts);
  const tunnels = new Set<Duplex>();

  /** Where a destination goes on this machine (host and port to dial), or undefined: refused. */
  const route = (host: string, port: number): { host: string; port: number } | undefined => {
    const dial = (s: NetServer) => {
      const a = s.address() as AddressInfo | null;
      return a && typeof a === 'object' ? { host: WILDCARDS.has(a.address) ? '127.0.0.1' : a.address, port: a.port, listen: a.address } : undefined;
    };
    const tls = dial(opts.targets.tls);
    if (host === WECHAT_API_HOST && port === 443) return tls;
    for (const d of [tls, opts.targets.http && dial(opts.targets.http)]) {
      if (d && d.port === port && (LOOPBACK_NAMES.has(host) || host === d.listen)) return d;
    }
    return undefined;
  };

  const server = createServer(
    {
      requestTimeout: g.requestTimeoutMs,
      headersTimeout: g.headersTimeoutMs,
      keepAliveTimeout: g.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(g.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const host = absoluteFormHost(req.url ?? '');
      if (host === WECHAT_API_HOST && opts.targets.handle) {
        const u = new URL(req.url!);
        req.url = `${u.pathname}${u.search}`;
        opts.targets.handle(req, res);
      } else {
        refuseRequest(req, res, host, opts.onRefused);
      }
    },
  );
  server.maxConnections = g.maxConnections;

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => client.destroy()); // a client that hangs up mid-tunnel
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      answer(client, 400, `CONNECT needs host:port (e.g. ${WECHAT_API_HOST}:443)`);
      return;
    }
    const to = route(target.host, target.port);
    const shown = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    if (!to) {
      opts.onRefused?.(shown);
      answer(client, 403, `${shown} is not ${WECHAT_API_HOST}:443: refused; ${REFUSED_TAIL}`);
      return;
    }
    const upstream: Socket = connect({ host: to.host, port: to.port });
    tunnels.add(client);
    tunnels.add(upstream);
    let open = false;
    upstream.once('connect', () => {
      open = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      // Bytes the client sent right after its CONNECT headers (an eager TLS ClientHello) go first.
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (err) => {
      if (open) client.destroy();
      else answer(client, 502, `the mock at ${to.host}:${to.port} did not answer (${err.message})`);
    });
    upstream.on('close', () => {
      tunnels.delete(upstream);
      if (open) client.destroy();
    });
    client.on('close', () => {
      tunnels.delete(client);
      upstream.destroy();
    });
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of tunnels) t.destroy();
        tunnels.clear();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A proxy answer on a raw socket (the CONNECT handshake is ours to write): one text line, then the socket closes. */
function answer(socket: Duplex, status: 400 | 403 | 502, line: string): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 502: 'Bad Gateway' }[status];
  const body = `wxlogin mock proxy: ${line}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      // RFC 9209: says which proxy refused and why, for clients that show it.
      `Proxy-Status: wxlogin-mock; error=${status === 502 ? 'connection_refused' : 'http_request_denied'}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** The host of an absolute-form request target (`GET http://host/path`), lower-cased, without a default port. */
function absoluteFormHost(target: string): string | undefined {
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    const u = new URL(target);
    const name = u.hostname.toLowerCase().replace(/\.$/, '');
    return u.port ? `${name}:${u.port}` : name;
  } catch {
    return undefined;
  }
}

/** Requests that are not CONNECT and not for the mock: refused, and one meant for a server is pointed at CONNECT. */
function refuseRequest(req: IncomingMessage, res: ServerResponse, host: string | undefined, onRefused: ProxyOptions['onRefused']): void {
  let line: string;
  let status = 403;
  if (host === undefined) {
    status = 400;
    const self = /^[A-Za-z0-9.:[\]-]+$/.test(req.headers.host ?? '') ? req.headers.host : 'HOST:PORT';
    line = `this is an HTTP CONNECT proxy for https://${WECHAT_API_HOST}: run the client with HTTPS_PROXY=http://${self}`;
  } else {
    onRefused?.(host);
    line = `${host} is not ${WECHAT_API_HOST}: refused; ${REFUSED_TAIL}`;
  }
  const body = `wxlogin mock proxy: ${line}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'proxy-status': 'wxlogin-mock; error=http_request_denied',
    connection: 'close',
  });
  res.end(body);
}
