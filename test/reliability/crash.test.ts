// Crashes: SIGKILL the backend in the middle of a load run on the SQLite store, restart it on the same file. Every
// token it had issued (answered 200) is still valid, every profile it had acknowledged is there, the file passes
// SQLite's integrity check without repair, and every stored record parses (nothing half-written).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeAgent, pool, spawnBackend, startMock, type BackendProcess } from './harness.js';
import { APP, caseCount } from './settings.js';

const CYCLES = caseCount({ short: 1, full: 3 });
const KILL_AFTER = caseCount({ short: 150, full: 600 });

function inspectDb(file: string): Promise<{ integrity: string; rows: number; unparsable: number }> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.get('PRAGMA integrity_check', (e1, row: { integrity_check: string }) => {
        if (e1) return reject(e1);
        db.all('SELECT value FROM wxlogin_kv', (e2, rows: { value: string }[]) => {
          db.close();
          if (e2) return reject(e2);
          let unparsable = 0;
          for (const r of rows) {
            try {
              JSON.parse(r.value);
            } catch {
              unparsable++;
            }
          }
          resolve({ integrity: row.integrity_check, rows: rows.length, unparsable });
        });
      });
    });
  });
}

describe('crash: SIGKILL mid-load on the SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-crash-'));
  const store = `sqlite://${join(dir, 'crash.db')}`;
  let mock: Awaited<ReturnType<typeof startMock>>;
  let backend: BackendProcess | undefined;

  beforeAll(async () => {
    mock = await startMock();
  });
  afterAll(async () => {
    await backend?.stop('SIGKILL');
    await mock.close();
    await closeAgent();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps every issued token and acknowledged profile across ${CYCLES} kill/restart cycle(s)`, async () => {
    // token -> what the backend acknowledged for it
    const issued = new Map<string, { openid: string; nickName?: string }>();
    let userSeq = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      backend = await spawnBackend({ apiBase: mock.url, store });
      const b = backend;
      let okThisCycle = 0;
      let killed = false;
      const worker = async () => {
        const user = `crash-user-${userSeq++}`;
        try {
          const { code } = (await mock.control.client.login({ appid: APP.appid, user })) as { code: string };
          const login = await call(b.url, 'POST', '/login', { code });
          if (login.status !== 200) return;
          const token = login.body.data.token as string;
          const openid = mock.control.getUser(user, APP.appid)!.openid;
          issued.set(token, { openid });
          okThisCycle++;
          const info = (await mock.control.client.getUserInfo({ appid: APP.appid, user, classic: true })) as unknown as Record<string, string>;
          const ui = await call(b.url, 'POST', '/userinfo', { encryptedData: info.encryptedData, iv: info.iv, rawData: info.rawData, signature: info.signature }, { authorization: `Bearer ${token}` });
          if (ui.status === 200) issued.set(token, { openid, nickName: ui.body.data.nickName });
        } catch {
          // connection refused or reset after the kill: the client never got an answer, so nothing was promised
        }
        if (!killed && okThisCycle >= KILL_AFTER) {
          killed = true;
          b.child.kill('SIGKILL');
        }
      };
      await pool(1_000_000, 16, worker, () => killed);
      expect(await b.exited).toBe('SIGKILL');
      expect(okThisCycle).toBeGreaterThanOrEqual(KILL_AFTER);

      const db = await inspectDb(join(dir, 'crash.db'));
      expect(db.integrity).toBe('ok');
      expect(db.unparsable).toBe(0);
      expect(db.rows).toBeGreaterThan(0);
    }

    // Restart on the same file: everything acknowledged before any of the crashes is there.
    backend = await spawnBackend({ apiBase: mock.url, store });
    const lost: string[] = [];
    await pool(issued.size, 16, async (i) => {
      const [token, want] = [...issued.entries()][i]!;
      const me = await call(backend!.url, 'GET', '/me', undefined, { authorization: `Bearer ${token}` });
      const got = me.body?.data;
      if (me.status !== 200 || got?.openid !== want.openid || (want.nickName !== undefined && got?.profile?.nickName !== want.nickName)) {
        lost.push(`${me.status} ${JSON.stringify(me.body).slice(0, 120)}`);
      }
    });
    expect(lost.slice(0, 5)).toEqual([]);
    expect(issued.size).toBeGreaterThanOrEqual(KILL_AFTER * CYCLES);
    await backend.stop();
  });
});
