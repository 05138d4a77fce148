// The dashboard's files at /__ui/: a page built at build time (ui/build.mjs bundles ui/src/ with esbuild into
// dist/mock-wechat/ui/static/), served by the mock itself, no CDN and no second process. The page is static and holds
// no secret: it reads the admin API (asking for the admin token when one is set) like any other client.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const UI_PATH = '/__ui/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Where the built files are: next to this module once compiled (dist/mock-wechat/ui/static), or, when this module
 * runs from source (vitest), in the build's output of the same checkout.
 */
export function uiStaticDir(): string | undefined {
  const candidates = [new URL('./static/', import.meta.url), new URL('../../dist/mock-wechat/ui/static/', import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/**
 * Every asset is the mock's own: nothing loads from elsewhere, and no inline script runs. The page may connect to any
 * http(s) origin: the phone posts its codes to the backend URL the user typed (which must allow the mock's origin by
 * CORS); only the mock's own scripts run, so nothing else can use that.
 */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self' http: https:; frame-ancestors 'none'";

type Asset = { type: string; body: Buffer };

/** `dir`: where the built files are (null: not built, every page answers 503 saying so). */
export function registerUi(app: FastifyInstance, dir: string | null = uiStaticDir() ?? null): void {
  // Read once, on the first request: a handful of small files, and a mock that never opens the page pays nothing.
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> => {
    if (assets) return assets;
    assets = new Map();
    if (dir === null) return assets;
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, { type, body: readFileSync(join(dir, name)) });
    }
    return assets;
  };
  const send = async (reply: FastifyReply, name: string) => {
    const a = load().get(name);
    if (!a) {
      const why = dir === null ? 'the dashboard is not built (npm run build bundles it)' : `no dashboard file ${name}`;
      return reply.code(dir === null ? 503 : 404).type('text/plain; charset=utf-8').send(why);
    }
    // The page changes with the package, not while the mock runs: no-cache keeps a rebuilt page from hiding behind
    // an old one.
    if (name === 'index.html') reply.header('content-security-policy', CSP);
    return reply.type(a.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(a.body);
  };
  app.get('/__ui', async (_request, reply) => reply.redirect(UI_PATH));
  app.get(UI_PATH, async (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>(`${UI_PATH}:file`, async (request, reply) => send(reply, request.params.file));
}
