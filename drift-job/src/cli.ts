#!/usr/bin/env node
/** `npm run drift -- --help`: the local drift check (see cli-run.ts). */
import { runMain } from "../../lib/cli";
import { runCli } from "./cli-run";
import { computeDrift } from "./stats";

runMain("drift", () => runCli(process.argv.slice(2), computeDrift), { help: true });
