// style.md: mock-wechat/ and the backend side never import each other, so a shared bug cannot pass a round trip.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../mock-wechat/', import.meta.url));

describe('mock-wechat boundary', () => {
  it('imports only node builtins, its own files and installed packages (nothing from src/)', () => {
    // Every folder of the mock (server-api/, client/, admin/, state/, http/), not only its top level.
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      for (const s of specs) {
        // A relative import must stay inside mock-wechat/.
        const inside = s.startsWith('.') && !relative(dir, resolve(dirname(join(dir, f)), s)).startsWith('..');
        const ok = s.startsWith('node:') || inside || !s.startsWith('.');
        expect(ok, `${f} imports ${s}`).toBe(true);
        expect(s, `${f} imports ${s}`).not.toMatch(/src\//);
      }
    }
  });
});
