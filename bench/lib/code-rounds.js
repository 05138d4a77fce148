// What mock.bench.js and tls.bench.js share: codes minted beforehand, a load process of its own (child_process.fork)
// driving keep-alive connections at GET /sns/jscode2session-like targets, and rounds alternating between the
// targets so that background load on a shared machine hits them alike.
import { fork } from 'node:child_process';

/** Single-use codes for `users` users, minted in-process (the mock's per-user limit must be off). */
export function mintCodes(control, count, users = 5000) {
  const t0 = performance.now();
  const codes = new Array(count);
  for (let i = 0; i < count; i++) codes[i] = control.client.login({ user: `bench-user-${i % users}` }).code;
  console.log(`minted ${count} codes for ${users} users in ${Math.round(performance.now() - t0)} ms`);
  return codes;
}

/**
 * Forks `script` with the argument 'load' (where it calls serveLoad), hands it `setup`, and runs a warm-up round of
 * each target, then `rounds` alternating rounds. Answers per target { n, ok, ms } summed over the counted rounds.
 */
export async function alternateRounds(script, setup, targets, { warmMs, roundMs, rounds }) {
  const child = fork(script, ['load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const ask = (msg) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
      child.send(msg);
    });
  await ask({ setup });
  for (const target of targets) await ask({ run: target, ms: warmMs });
  const total = Object.fromEntries(targets.map((t) => [t, { n: 0, ok: 0, ms: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const target of targets) {
      const res = await ask({ run: target, ms: roundMs });
      total[target].n += res.n;
      total[target].ok += res.ok;
      total[target].ms += res.ms;
    }
  }
  child.send({ stop: true });
  await new Promise((r) => child.once('exit', r));
  return total;
}

/** Requests per second of a round total. */
export const rate = (t) => (t.n * 1000) / t.ms;

/**
 * The load process: `makeTargets(setup)` gives, per target, a dispatcher and the request to send next; a request
 * counts as ok when it answers 200 with an openid. `setup.connections` workers run per round.
 */
export function serveLoad(makeTargets) {
  let cfg;
  let targets;
  process.on('message', async (m) => {
    if (m.setup) {
      cfg = m.setup;
      targets = await makeTargets(cfg);
      process.send({ ok: true });
    } else if (m.run) {
      const { dispatcher, next } = targets[m.run];
      let n = 0;
      let ok = 0;
      const start = performance.now();
      const deadline = start + m.ms;
      const worker = async () => {
        while (performance.now() < deadline) {
          const res = await dispatcher.request({ method: 'GET', ...next() });
          const text = await res.body.text();
          n++;
          if (res.statusCode === 200 && text.includes('"openid"')) ok++;
        }
      };
      await Promise.all(Array.from({ length: cfg.connections }, worker));
      process.send({ n, ok, ms: performance.now() - start });
    } else if (m.stop) {
      await Promise.all(Object.values(targets).map((t) => t.dispatcher.close()));
      process.exit(0);
    }
  });
}
