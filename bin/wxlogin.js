#!/usr/bin/env node
// Thin entry: runs the CLI and is the only place that sets the process exit code.
import { main } from '../dist/src/cli/main.js';

main(process.argv, { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wxlogin: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
