// Group commit for the SQLite engine: the writes of one event-loop turn go to the database as one batch, in one
// transaction, with compare-and-set for updates; keyv reads and writes through the adapter it returns.
import { StoreUnavailableError } from '../errors.js';
import type { RawStep } from '../namespace.js';
import type { SqliteInner, TxWriter } from './writer.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** One operation in an entry whose value depends on what the database holds: a set or delete, or an update's step. */
type Op = { write: string | null } | { step: RawStep; waiter: Waiter };

/**
 * What the next batch does to one key. known: a set or delete came first, so the key's final value is `value`
 * whatever the database holds (null: deleted). cas: updates already applied to the text this store last saw for the
 * key (`expected`, null: absent), written only if the database still holds that; if not, their steps run again as
 * ops in the next batch. Otherwise `ops` start with an update, which reads the stored value inside the batch's
 * transaction, and apply in order.
 */
type Entry =
  | { known: true; value: string | null }
  | { known: false; cas: { expected: string | null; value: string; steps: { step: RawStep; waiter: Waiter }[] } }
  | { known: false; cas?: undefined; ops: Op[] };

/** The text this store last read or wrote for a key it updates, so that the next update can try a compare-and-set. */
const SEEN_MAX = 20_000;
/**
 * Full, the oldest sixteenth goes at once. Evicting one key per new key cost a login about 20 µs once the map was
 * full (every new user's first login): a Map keeps deleted entries as holes until V8 rebuilds it, and keys().next()
 * steps over all the holes at its front.
 */
const SEEN_EVICT = SEEN_MAX >> 4;

/** A key's text as this store last read or wrote it, and the database's data_version when it did. */
interface Seen {
  text: string;
  version: number | undefined;
}

/**
 * Group commit: the writes of one event-loop turn go to SQLite together, in one explicit transaction (BEGIN
 * IMMEDIATE ... COMMIT), instead of one statement and one commit each: under concurrent logins this cuts the cost of a
 * write several times. Reads see writes still waiting in the batch; a write's promise settles when its batch is
 * committed, so an acknowledged write is on disk (in the WAL). A batch that fails (another process held the write
 * lock past the busy timeout, a full disk) is rolled back as a whole and every one of its writers gets a
 * StoreUnavailableError; the next batch starts from a clean connection.
 */
export function groupCommit(inner: SqliteInner, first: TxWriter, connect: (() => Promise<TxWriter>) | undefined) {
  let writer: TxWriter | undefined = first;
  let pending = new Map<string, Entry>();
  const seen = new Map<string, Seen>();
  // The data_version the last batch saw, and whether the batch before saw the same (no other connection wrote in
  // between). While it holds, an update that leaves a record as this store last saw it (a returning user's login)
  // needs no write to check that the record is still there: the next batch's data_version proves that nobody else
  // wrote meanwhile, and when it does not, the check runs as a read in the batch after. With another process writing
  // to the file all the time, every such update stays a compare-and-set, as it would without this.
  let version: number | undefined;
  let quiet = false;
  let waiters: Waiter[] = [];
  let scheduled = false;
  let writing: Promise<void> | undefined;

  let closed = false;
  let pinging: Promise<void> | undefined;

  async function writerFor(): Promise<TxWriter> {
    if (closed) throw new StoreUnavailableError(new Error('the store is closed'));
    if (!writer) writer = await connect!();
    return writer;
  }

  /**
   * Writes one batch; answers the compare-and-sets that did not hold (their steps go to the next batch). A batch of
   * sets and compare-and-sets only is one statement, atomic by itself; one that deletes, or has updates that must read
   * the stored value first, runs in BEGIN IMMEDIATE ... COMMIT, holding the write lock while it reads.
   */
  async function commitBatch(w: TxWriter, batch: Map<string, Entry>): Promise<Map<string, Entry>> {
    const before = quiet ? version : undefined;
    // Updates that change nothing of what this store saw at `before`: confirmed by the data_version after the batch.
    const unchanged = new Set<string>();
    const reads: string[] = [];
    let deletes = false;
    for (const [k, e] of batch) {
      if (e.known) deletes ||= e.value === null;
      else if (!e.cas) reads.push(k);
    }
    const tx = deletes || reads.length > 0;
    if (tx) await w.begin();
    const stored = new Map<string, string>();
    if (reads.length) for (const row of await w.select(JSON.stringify(reads))) stored.set(row.key, row.value);
    const sets: [string, string][] = [];
    const dels: string[] = [];
    const expect: Record<string, string | null> = {};
    // What the database holds for each key after the batch, as far as this store knows it.
    const known = new Map<string, string | null>();
    for (const [k, e] of batch) {
      if (e.known) {
        if (e.value === null) dels.push(k);
        else sets.push([k, e.value]);
        if (seen.has(k)) known.set(k, e.value);
        continue;
      }
      if (e.cas) {
        if (before !== undefined && e.cas.value === e.cas.expected && seen.get(k)?.version === before) {
          unchanged.add(k);
          continue;
        }
        sets.push([k, e.cas.value]);
        expect[k] = e.cas.expected;
        continue;
      }
      // Inside the transaction, holding the write lock: no other process can change the key until COMMIT, so an
      // update's step sees the latest value and its write cannot be lost.
      let cur = stored.get(k);
      let changed = false;
      for (const op of e.ops) {
        if ('write' in op) {
          cur = op.write ?? undefined;
          changed = true;
          continue;
        }
        let next: string | undefined;
        try {
          next = op.step(cur);
        } catch (err) {
          op.waiter.reject(err);
          continue;
        }
        if (next !== undefined) {
          cur = next;
          changed = true;
        }
      }
      known.set(k, cur ?? null);
      if (!changed) continue;
      if (cur === undefined) dels.push(k);
      else sets.push([k, cur]);
    }
    let applied = new Set<string>();
    let now: number | undefined;
    if (sets.length) {
      const res = await w.write(JSON.stringify(sets), JSON.stringify(expect));
      applied = new Set(res.keys);
      now = res.version;
    }
    if (dels.length) {
      const removed = await w.remove(JSON.stringify(dels));
      now ??= removed;
    }
    // Inside the transaction when there is one, so that what this batch read and wrote is known at `now`.
    now ??= await w.version();
    if (tx) await w.commit();
    const missed = new Map<string, Entry>();
    const confirmed = now === before;
    for (const [k, e] of batch) {
      if (e.known || !e.cas) continue;
      if (applied.has(k) || (confirmed && unchanged.has(k))) known.set(k, e.cas.value);
      else missed.set(k, e);
    }
    quiet = now === version;
    version = now;
    for (const [k, v] of known) remember(k, v, now);
    for (const k of missed.keys()) seen.delete(k);
    return missed;
  }

  function remember(key: string, value: string | null, at: number | undefined) {
    seen.delete(key);
    if (value === null) return;
    if (seen.size >= SEEN_MAX) {
      let n = SEEN_EVICT;
      for (const k of seen.keys()) {
        seen.delete(k);
        if (--n === 0) break;
      }
    }
    seen.set(key, { text: value, version: at });
  }

  async function runBatch(batch: Map<string, Entry>): Promise<Map<string, Entry>> {
    const w = await writerFor();
    try {
      return await commitBatch(w, batch);
    } catch (err) {
      for (const k of batch.keys()) seen.delete(k);
      // What the database holds is not known until a batch succeeds again.
      version = undefined;
      quiet = false;
      try {
        await w.abort();
      } catch {
        // The connection may still be inside the failed transaction: never write through it again.
        if (connect) {
          writer = undefined;
          await w.close().catch(() => undefined);
        }
      }
      throw err;
    }
  }

  // One batch in flight at a time; whatever arrives meanwhile goes into the next one. Idle, a write waits one turn of
  // the event loop; under load, batches grow by themselves without a timer.
  function flushNow(): void {
    scheduled = false;
    if (writing || pending.size === 0) return;
    const batch = pending;
    const ws = waiters;
    pending = new Map();
    waiters = [];
    writing = runBatch(batch).then(
      (missed) => {
        ws.forEach((w) => w.resolve());
        for (const [k, e] of batch) {
          if (e.known || !e.cas) continue;
          if (missed.has(k)) retry(k, e.cas.steps);
          else e.cas.steps.forEach((s) => s.waiter.resolve());
        }
      },
      (err) => {
        const e = new StoreUnavailableError(err);
        ws.forEach((w) => w.reject(e));
        for (const entry of batch.values()) if (!entry.known && entry.cas) entry.cas.steps.forEach((s) => s.waiter.reject(e));
      },
    );
    void writing.then(() => {
      writing = undefined;
      flushNow();
    });
  }

  function kick(): void {
    if (!scheduled && !writing) {
      scheduled = true;
      setImmediate(flushNow);
    }
  }

  function schedule(): Promise<void> {
    kick();
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** An op entry for steps that must read the stored value inside a transaction; each waiter settles with its batch. */
  function asOps(steps: { step: RawStep; waiter: Waiter }[]): Op[] {
    return steps.map(({ step, waiter }) => {
      schedule().then(waiter.resolve, waiter.reject);
      return { step, waiter };
    });
  }

  /** Compare-and-set steps whose expectation did not hold: they run again, before anything queued since, reading. */
  function retry(key: string, steps: { step: RawStep; waiter: Waiter }[]): void {
    const e = pending.get(key);
    if (!e) pending.set(key, { known: false, ops: asOps(steps) });
    // A set or delete queued since comes after them: the steps read the stored value, then it is written.
    else if (e.known) pending.set(key, { known: false, ops: [...asOps(steps), { write: e.value }] });
    else if (e.cas) pending.set(key, { known: false, ops: asOps([...steps, ...e.cas.steps]) });
    else e.ops.unshift(...asOps(steps));
    kick();
  }

  function enqueue(key: string, value: string | null): Promise<void> {
    const e = pending.get(key);
    if (e && !e.known && e.cas) {
      // The updates before the set must still run on the stored value (their callers get what they wrote): read it.
      pending.set(key, { known: false, ops: [...asOps(e.cas.steps), { write: value }] });
    } else if (e && !e.known) e.ops.push({ write: value });
    else pending.set(key, { known: true, value });
    return schedule();
  }

  /** What a read returns for a key of the next batch: its last set or delete, or undefined when there is none. */
  function pendingWrite(key: string): { value: string | null } | undefined {
    const e = pending.get(key);
    if (!e) return undefined;
    if (e.known) return { value: e.value };
    // A compare-and-set may not hold: until its batch commits, reads see the database.
    if (e.cas) return undefined;
    for (let i = e.ops.length - 1; i >= 0; i--) {
      const op = e.ops[i]!;
      if ('write' in op) return { value: op.write };
    }
    return undefined;
  }

  const adapter = {
    opts: inner.opts,
    get namespace() {
      return inner.namespace;
    },
    set namespace(v: string | undefined) {
      inner.namespace = v;
    },
    on: (event: string, fn: (...a: unknown[]) => void) => inner.on(event, fn),
    async get(key: string) {
      const w = pendingWrite(key);
      if (w) return w.value === null ? undefined : w.value;
      return inner.get(key);
    },
    async set(key: string, value: string) {
      await enqueue(key, value);
      return true;
    },
    async delete(key: string) {
      const existed = (await adapter.get(key)) !== undefined;
      await enqueue(key, null);
      return existed;
    },
    async clear() {
      await flush();
      await inner.clear();
    },
  };

  async function flush(): Promise<void> {
    while (writing || pending.size > 0) {
      if (!writing) flushNow();
      await writing;
      await new Promise((r) => setImmediate(r));
    }
  }

  return {
    adapter,
    flush,
    /** Runs step on the key's value as the batch will have left it, atomically with every other write of the key. */
    async update(key: string, step: RawStep): Promise<void> {
      const e = pending.get(key);
      if (e?.known) {
        // The key's value is already decided by this batch (read-your-writes): step runs on it now, and its result is
        // committed with the batch. step may throw: then nothing is written and the batch goes on without it.
        const next = step(e.value ?? undefined);
        if (next !== undefined) e.value = next;
        return schedule();
      }
      return await new Promise<void>((resolve, reject) => {
        let settled = false;
        const waiter: Waiter = {
          resolve: () => settled || ((settled = true), resolve()),
          reject: (err) => settled || ((settled = true), reject(err)),
        };
        const full = (ops: Op[]) => {
          const op: Op = { step, waiter };
          ops.push(op);
          schedule().then(waiter.resolve, waiter.reject);
        };
        if (e?.cas) {
          // Another update of this batch tries a compare-and-set already: this one builds on its value. A step that
          // throws on that value may only have been wrong about it: all of them then read the stored value.
          let next: string | undefined;
          try {
            next = step(e.cas.value);
          } catch {
            pending.set(key, { known: false, ops: asOps([...e.cas.steps, { step, waiter }]) });
            kick();
            return;
          }
          if (next !== undefined) e.cas.value = next;
          e.cas.steps.push({ step, waiter });
          kick();
          return;
        }
        if (e) return full(e.ops);
        // First update of the key in this batch: try it on the text this store last saw (or on "absent" for a key
        // it never updated, a new user's first login), as one compare-and-set in the batch's single statement. Keys
        // a JSON path label cannot quote, and an update that writes nothing, read inside a transaction instead.
        const expected = seen.get(key)?.text ?? null;
        if (!/["\\]/.test(key)) {
          let next: string | undefined;
          let guessed = true;
          try {
            next = step(expected ?? undefined);
          } catch {
            // Perhaps only the guess was wrong (a record it expected is there): read it, and let the step decide.
            guessed = false;
          }
          const value = guessed ? (next ?? expected) : null;
          if (value !== null) {
            pending.set(key, { known: false, cas: { expected, value, steps: [{ step, waiter }] } });
            kick();
            return;
          }
        }
        const ops: Op[] = [];
        pending.set(key, { known: false, ops });
        full(ops);
      });
    },
    /**
     * Resolves once the writes queued before it are committed (or have failed), without waiting for later ones: flush()
     * under a steady stream of writes may never see the queue empty.
     */
    barrier(): Promise<void> {
      if (pending.size > 0) return new Promise<void>((resolve) => waiters.push({ resolve, reject: () => resolve() }));
      return writing ? writing.then(() => undefined) : Promise.resolve();
    },
    /** One ping at a time: while the writer waits for another process's lock, each would hold a thread of the pool. */
    ping(): Promise<void> {
      pinging ??= writerFor()
        .then((w) => w.ping())
        .finally(() => {
          pinging = undefined;
        });
      return pinging;
    },
    async close(): Promise<void> {
      closed = true;
      if (writer) await writer.close();
      writer = undefined;
    },
  };
}
