#!/usr/bin/env node
// Thin entry: runs the CLI and is the only place that sets the process exit code.
import { main } from '../dist/src/cli/main.js';

const io = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: touching process.stdin opens it, and only `--data -` reads it.
  get stdin() {
    return process.stdin;
  },
};

main(process.argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`wxlogin: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
