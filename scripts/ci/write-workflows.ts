/**
 * `npm run workflows`: writes the generated workflow files to .github/workflows/ so they
 * can be reviewed and committed; `npm run workflows -- --check` changes nothing and exits
 * 1 when the committed copies differ from what the program would write.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GENERATED_HEADER, WORKFLOWS_DIR, renderWorkflows } from "../../components/github/workflows";

export interface WorkflowDiff {
  file: string;
  problem: "missing" | "differs" | "stale";
}

const FIRST_HEADER_LINE = `# ${GENERATED_HEADER.split("\n")[0]}`;

/**
 * Compares the generated files with those in `dir`. A `.yml` there that carries our
 * header but is no longer generated is `stale`; hand-written workflows are left alone.
 */
export function diffWorkflows(dir: string, files = renderWorkflows()): WorkflowDiff[] {
  const diffs: WorkflowDiff[] = [];
  for (const [file, content] of Object.entries(files)) {
    const path = join(dir, file);
    if (!existsSync(path)) diffs.push({ file, problem: "missing" });
    else if (readFileSync(path, "utf8") !== content) diffs.push({ file, problem: "differs" });
  }
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)) {
      if (!/\.ya?ml$/.test(file) || file in files) continue;
      if (readFileSync(join(dir, file), "utf8").startsWith(FIRST_HEADER_LINE)) diffs.push({ file, problem: "stale" });
    }
  }
  return diffs;
}

/** Writes the generated files into `dir`; returns the names of the files that changed. */
export function writeWorkflows(dir: string, files = renderWorkflows()): string[] {
  mkdirSync(dir, { recursive: true });
  const changed: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    const path = join(dir, file);
    if (existsSync(path) && readFileSync(path, "utf8") === content) continue;
    writeFileSync(path, content);
    changed.push(file);
  }
  return changed;
}

const HELP = `Usage: npm run workflows [-- --check] [-- --dir <path>]

Writes drift-loop's GitHub Actions workflows (generated from components/github/workflows.ts)
to ${WORKFLOWS_DIR}/ in the repository.

  --check       write nothing; exit 1 if the files there differ from the generated ones
  --dir <path>  another directory (default: ${WORKFLOWS_DIR} under the repository root)`;

export function main(argv: string[]): number {
  let check = false;
  let dir = resolve(__dirname, "..", "..", WORKFLOWS_DIR);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(HELP);
      return 0;
    } else if (arg === "--check") {
      check = true;
    } else if (arg === "--dir") {
      const value = argv[++i];
      if (!value) {
        console.error(`--dir needs a path\n\n${HELP}`);
        return 2;
      }
      dir = resolve(value);
    } else {
      console.error(`unknown argument ${JSON.stringify(arg)}; allowed: --check, --dir <path>, --help\n\n${HELP}`);
      return 2;
    }
  }
  if (check) {
    const diffs = diffWorkflows(dir);
    if (diffs.length === 0) {
      console.log(`${dir}: the workflow files are up to date`);
      return 0;
    }
    for (const d of diffs) {
      const what = { missing: "is missing", differs: "differs from the generated file", stale: "is generated but no longer produced; delete it" }[d.problem];
      console.error(`${join(dir, d.file)} ${what}`);
    }
    console.error("run `npm run workflows` and commit the result");
    return 1;
  }
  const changed = writeWorkflows(dir);
  const stale = diffWorkflows(dir).filter((d) => d.problem === "stale");
  console.log(changed.length ? `wrote ${changed.map((f) => join(dir, f)).join(", ")}` : `${dir}: already up to date`);
  for (const d of stale) console.warn(`${join(dir, d.file)} was generated once but is no longer produced; delete it`);
  return 0;
}

if (require.main === module) {
  process.exit(main(process.argv.slice(2)));
}
