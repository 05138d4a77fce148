// Load: `wxlogin flow --users N --concurrency C` against the embedded stack, as a user runs it. Errors must be zero,
// and memory bounded: the process's peak RSS (VmHWM, read from /proc while it runs) at the large run stays close
// to the small run's, since the load runner keeps histograms and counters, not per-user results.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN } from './harness.js';
import { caseCount } from './settings.js';

const SMALL = caseCount({ short: 200, full: 1000 });
const LARGE = caseCount({ short: 2000, full: 20_000 });
const CONCURRENCY = 32;

interface LoadRun {
  summary: { ok: boolean; users: number; succeeded: number; failed: number; requests: number; seconds: number; throughput: number; latency: Record<string, number>; errors: Record<string, number> };
  peakRssMb: number;
}

function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function runFlow(users: number): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--json', 'flow', '--users', String(users), '--concurrency', String(CONCURRENCY)], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let peak = 0;
    // VmHWM only grows, so the last reading before exit is the peak up to a few milliseconds.
    const timer = setInterval(() => {
      peak = Math.max(peak, peakRss(child.pid!) ?? 0);
    }, 20);
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => {
      clearInterval(timer);
      try {
        const summary = JSON.parse(out);
        if (code !== 0) return reject(new Error(`flow exited ${code}: ${out.slice(0, 400)} ${err.slice(0, 400)}`));
        resolve({ summary, peakRssMb: Math.round(peak * 10) / 10 });
      } catch {
        reject(new Error(`flow exited ${code} without JSON: ${out.slice(0, 400)} ${err.slice(0, 400)}`));
      }
    });
  });
}

describe.skipIf(!existsSync('/proc/self/status'))('sustained load through `wxlogin flow --users`', () => {
  it(`runs ${SMALL} then ${LARGE} users with zero errors and bounded memory`, async () => {
    const small = await runFlow(SMALL);
    const large = await runFlow(LARGE);
    for (const [n, r] of [
      [SMALL, small],
      [LARGE, large],
    ] as const) {
      console.log(
        `load: ${n} users, concurrency ${CONCURRENCY}: ${r.summary.requests} requests in ${r.summary.seconds} s ` +
          `(${r.summary.throughput} req/s), p50 ${r.summary.latency.p50} ms, p99 ${r.summary.latency.p99} ms, ` +
          `failed ${r.summary.failed}, peak RSS ${r.peakRssMb} MB`,
      );
      expect(r.summary.ok).toBe(true);
      expect(r.summary.users).toBe(n);
      expect(r.summary.succeeded).toBe(n);
      expect(r.summary.failed).toBe(0);
      expect(r.summary.errors).toEqual({});
      expect(r.peakRssMb).toBeGreaterThan(0);
    }
    // Ten (full: twenty) times the users may not cost anything like ten times the memory. The mock and the
    // in-memory store do keep one small record per user, so allow growth, but far from linear in the runner.
    expect(large.peakRssMb).toBeLessThan(small.peakRssMb * 2 + 64);
  });
});
