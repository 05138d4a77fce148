// Bundles the dashboard (ui/src/main.js with Preact and htm) into dist/mock-wechat/ui/static/ with esbuild: one
// minified script, the stylesheet and the page, so the mock serves every asset itself (no CDN). Run by
// `npm run build` after tsc; `node mock-wechat/ui/build.mjs` alone rebuilds the page.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../../dist/mock-wechat/ui/static/');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [here('./src/main.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outfile: `${out}app.js`,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(here('./src/index.html'), `${out}index.html`);
copyFileSync(here('./src/app.css'), `${out}app.css`);
