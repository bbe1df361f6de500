#!/usr/bin/env node
/** `npm run drift -- --help`: the local drift check (see cli-run.ts). */
import { runCli } from "./cli-run";
import { computeDrift } from "./stats";

runCli(process.argv.slice(2), computeDrift).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`drift: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
