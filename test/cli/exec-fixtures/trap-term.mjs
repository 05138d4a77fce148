// Run by `wxlogin exec` in test/cli/exec.test.ts: starts a grandchild (`sleep 300`, in its process group),
// writes DIR/grandchild.pid, then DIR/ready. On SIGTERM it writes DIR/signal and exits 7, or with `ignore` it
// ignores SIGTERM and waits to be killed.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, mode] = process.argv.slice(2);
const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
writeFileSync(join(dir, 'grandchild.pid'), String(sleeper.pid));
process.on('SIGTERM', (signal) => {
  writeFileSync(join(dir, 'signal'), signal);
  if (mode !== 'ignore') process.exit(7);
});
setInterval(() => undefined, 60_000);
writeFileSync(join(dir, 'ready'), String(process.pid));
