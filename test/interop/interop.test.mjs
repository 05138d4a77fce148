// Every SDK × every operation against the mock, with node's own test runner (run.mjs runs this file, then writes
// the table). An operation the SDK does not offer is recorded as such; one whose failure is a known SDK quirk is a
// todo (reported, not failing the run); any other failure fails the run. results.json records each cell.
import { after, before, describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { startMock } from './harness.mjs';
import { OPERATIONS } from './operations.mjs';
import { SDKS } from './sdks/index.mjs';

export const RESULTS_FILE = new URL('./results.json', import.meta.url);

const results = [];
let mock;

before(async () => {
  mock = await startMock();
});

after(async () => {
  await mock?.close();
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ operations: OPERATIONS, sdks: SDKS.map(({ name, version, pointedBy }) => ({ name, version, pointedBy })), results }, null, 2)}\n`);
});

/** The SDK's answer, with secrets and tokens out of it: a reason line for the table. */
function reasonOf(err) {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].replace(/rid: [0-9a-f-]+/g, 'rid: …').slice(0, 200);
}

for (const sdk of SDKS) {
  describe(`${sdk.name}@${sdk.version}`, () => {
    for (const { id, title } of OPERATIONS) {
      const spec = sdk.ops[id];
      if (!spec) throw new Error(`${sdk.name}: operation ${id} is not described`);
      const cell = { sdk: sdk.name, op: id };
      if (spec.offered === false && !spec.run) {
        results.push({ ...cell, status: 'not-offered', reason: spec.why });
        test(title, { skip: `not offered: ${spec.why}` }, () => {});
        continue;
      }
      test(title, spec.known ? { todo: spec.known } : {}, async () => {
        mock.reset();
        try {
          const detail = (await spec.run(mock)) ?? undefined;
          if (spec.refreshes !== undefined && detail?.refreshes !== spec.refreshes) {
            throw new Error(`${detail?.refreshes} token refreshes after a 40001, expected ${spec.refreshes}`);
          }
          const status = spec.offered === false ? 'not-offered' : 'ok';
          results.push({ ...cell, status, reason: spec.offered === false ? spec.why : undefined, via: spec.via, detail });
        } catch (err) {
          results.push({ ...cell, status: 'fail', reason: reasonOf(err), known: spec.known, via: spec.via });
          throw err;
        } finally {
          mock.control.clearFaults();
        }
      });
    }
  });
}
