/**
 * The local drift check: two files in, report.json + report.html out, a summary on the
 * terminal. No cluster, no MinIO, no MLflow. `runCli` returns the exit code (see HELP).
 */
import { parseArgs } from "node:util";
import { LABEL, PREDICTION, PROBABILITY } from "../../lib/schema";
import { EXIT as CLI_EXIT, UsageError, failureText, usageErrorText } from "../../lib/cli";
import { analyze, type AnalysisSettings, type ComputeDrift, featureRequest } from "./analyze";
import { computeDriftParallel } from "./compute-parallel";
import { readFilesInParallel } from "./io/parallel";
import { DataError } from "./io/read";
import { buildDriftOptions, parseSetting } from "./options";
import { DEFAULT_POLICY } from "./policy";
import { renderSummary } from "./report/summary";
import { OutputError, reportFiles, writeFilesAtomically } from "./report/write";
import { STATTEST_IDS } from "./types";
import { DRIFT_SETTINGS, MIN_SAMPLE_SIZE, allowedRange } from "../../lib/settings";

/** The CLI flag of each drift option, named in error messages. */
export const CLI_FLAG_NAMES = {
  stattest: "--stattest",
  threshold: "--threshold",
  driftShare: "--drift-share",
  numStattest: "--num-stattest",
  catStattest: "--cat-stattest",
  numThreshold: "--num-threshold",
  catThreshold: "--cat-threshold",
  columnStattest: "--column-stattest",
  columnThreshold: "--column-threshold",
  columnType: "--column-type",
  columns: "--columns",
  minSampleSize: "--min-sample-size",
};

/** The drift CLI's exit codes: lib/cli.ts's shared three, and one of its own. */
export const EXIT = {
  ok: CLI_EXIT.ok,
  internal: CLI_EXIT.failed,
  badInput: CLI_EXIT.usage,
  columnsNotCompared: 3,
} as const;

export const HELP = `Usage: npm run drift -- --reference <file> --current <file> --out <dir> [options]

Compares two tables column by column with Evidently-compatible drift tests and writes
<dir>/report.json and <dir>/report.html (self-contained, open it in a browser).

Input files: CSV (first line = header) or NDJSON (one JSON object per line), optionally
gzip-compressed; the format comes from the extension (.csv, .ndjson, .jsonl, .json, +.gz)
or the first byte. Empty fields and pandas' NA spellings (NA, NaN, null, None, ...) are
missing values. Values and column names are read exactly as pandas' read_csv reads
them (spaces kept). A column is numeric when the reference's values are all numbers.

Required:
  --reference <file>          the reference data (e.g. the training data)
  --current <file>            the data to check (e.g. recent production traffic)
  --out <dir>                 folder for report.json and report.html (created if needed;
                              files are replaced atomically, never left half-written)

Method and threshold (default: Evidently's choice per column, see below):
  --stattest <id>             method for every column
  --threshold <x>             threshold for every column, ${allowedRange(DRIFT_SETTINGS.driftThreshold)}
  --num-stattest <id>         method for numeric columns      --num-threshold <x>
  --cat-stattest <id>         method for categorical columns  --cat-threshold <x>
  --column-stattest COL=ID    method for one column (repeatable)
  --column-threshold COL=X    threshold for one column (repeatable)
  --drift-share <s>           dataset drift when at least this share of columns drift,
                              ${allowedRange(DRIFT_SETTINGS.driftShare)}; default ${DRIFT_SETTINGS.driftShare.default}
  --columns a,b,c             compare only these columns (default: every column in both
                              files except the model output columns)
  --column-type COL=cat|num   force a column's type (repeatable); default as Evidently:
                              numeric when the reference column is all numbers, the
                              label column categorical
  --min-sample-size <n>       fewest non-missing values per side for a decision; a column
                              with fewer is reported as "not enough data" (no drift, no
                              retrain); default ${MIN_SAMPLE_SIZE.default}, ${MIN_SAMPLE_SIZE.min}..${MIN_SAMPLE_SIZE.max}
  Methods: ${STATTEST_IDS.join(", ")}.
  p-value methods (ks, chisquare, z): drift when the p-value is below the threshold (ks: at or below)
  (default 0.05); distances (wasserstein, psi, kl_div, jensenshannon, hellinger): drift
  when the score is at or above it (default 0.1). Default method: up to 1000 reference
  rows, ks for numeric columns with more than 5 values, else chisquare (z when binary);
  above 1000 rows, wasserstein for numeric columns with more than 5 values, else
  jensenshannon.

Model columns (reported as prediction drift and model quality, not as data drift):
  --prediction-column <name>  default "${PREDICTION}"
  --probability-column <name> default "${PROBABILITY}"
  --label-column <name>       ground truth, default "${LABEL}"

Retrain policy (evaluated and reported; only the in-cluster job sends the retrain event):
  --retrain-psi <x>           fire when any column's PSI is above x (default ${DEFAULT_POLICY.psiThreshold}, ${allowedRange(DRIFT_SETTINGS.retrainPsiThreshold)})
  --retrain-share <s>         fire when more than this share of columns drift (default ${DEFAULT_POLICY.driftedShare}, ${allowedRange(DRIFT_SETTINGS.retrainDriftedShare)})

Other:
  --quiet                     print only errors and the report paths
  -h, --help                  this text

Exit codes:
  0  report written (whether or not drift was found)
  1  unexpected internal error
  2  bad input or usage: missing/unreadable file, malformed data, no common columns,
     unknown method or column, bad number; nothing is written
  3  report written, but some columns could not be compared (e.g. a column with no
     values on one side); the report and the message name them

Example:
  npm run drift -- --reference train.csv --current last_week.csv --out drift-report \\
    --column-stattest income=psi --drift-share 0.3
`;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  color: boolean;
  now?: () => number;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/** Flags that take a value (all but --quiet and --help). */
const VALUE_FLAGS = new Set(["reference", "current", "out", "stattest", "threshold", "num-stattest", "cat-stattest", "num-threshold", "cat-threshold", "column-stattest", "column-threshold", "column-type", "drift-share", "columns", "min-sample-size", "prediction-column", "probability-column", "label-column", "retrain-psi", "retrain-share"]);

/**
 * "--threshold -1" as "--threshold=-1": node's parseArgs takes a value starting with "-"
 * for another flag and answers "argument is ambiguous"; a negative number is a value, and
 * its own check then names what is wrong with it.
 */
export function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith("--") && !a.includes("=") && VALUE_FLAGS.has(a.slice(2)) && next !== undefined && /^-(\d|\.\d|inf|Infinity|NaN)/i.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function parse(argv: string[]) {
  return parseArgs({
    args: joinNegativeValues(argv),
    strict: true,
    allowPositionals: false,
    options: {
      reference: { type: "string" },
      current: { type: "string" },
      out: { type: "string" },
      stattest: { type: "string" },
      threshold: { type: "string" },
      "num-stattest": { type: "string" },
      "cat-stattest": { type: "string" },
      "num-threshold": { type: "string" },
      "cat-threshold": { type: "string" },
      "column-stattest": { type: "string", multiple: true },
      "column-threshold": { type: "string", multiple: true },
      "column-type": { type: "string", multiple: true },
      "min-sample-size": { type: "string" },
      "drift-share": { type: "string" },
      columns: { type: "string" },
      "prediction-column": { type: "string" },
      "probability-column": { type: "string" },
      "label-column": { type: "string" },
      "retrain-psi": { type: "string" },
      "retrain-share": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runCli(argv: string[], compute: ComputeDrift, io: CliIo = defaultIo): Promise<number> {
  const now = io.now ?? Date.now;
  // Errors print the way every entry point prints them (lib/cli.ts).
  const fail = (msg: string) => {
    io.stderr(usageErrorText("drift", msg, true));
    return EXIT.badInput;
  };
  let v: ReturnType<typeof parse>;
  try {
    v = parse(argv);
  } catch (err) {
    return fail((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  if (v.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  try {
    const missing = (["reference", "current", "out"] as const).filter((k) => !v[k]);
    if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(", ")}; usage: --reference <file> --current <file> --out <dir>`);
    const drift = buildDriftOptions(
      {
        stattest: v.stattest,
        threshold: v.threshold,
        driftShare: v["drift-share"],
        numStattest: v["num-stattest"],
        catStattest: v["cat-stattest"],
        numThreshold: v["num-threshold"],
        catThreshold: v["cat-threshold"],
        columnStattest: v["column-stattest"],
        columnThreshold: v["column-threshold"],
        columnType: v["column-type"],
        columns: v.columns,
        minSampleSize: v["min-sample-size"],
      },
      CLI_FLAG_NAMES,
    );
    const settings: AnalysisSettings = {
      drift,
      model: {
        prediction: v["prediction-column"] ?? PREDICTION,
        probability: v["probability-column"] ?? PROBABILITY,
        label: v["label-column"] ?? LABEL,
      },
      policy: {
        psiThreshold: v["retrain-psi"] !== undefined ? parseSetting(DRIFT_SETTINGS.retrainPsiThreshold, v["retrain-psi"], "--retrain-psi") : DEFAULT_POLICY.psiThreshold,
        driftedShare: v["retrain-share"] !== undefined ? parseSetting(DRIFT_SETTINGS.retrainDriftedShare, v["retrain-share"], "--retrain-share") : DEFAULT_POLICY.driftedShare,
      },
    };
    const progress = (s: string) => {
      if (!v.quiet) io.stderr(s);
    };
    const t0 = now();
    progress(`reading ${v.reference} and ${v.current} ...\n`);
    const labels = ["reference", "current"];
    const [reference, current] = await readFilesInParallel([v.reference!, v.current!], (i, d, ms) =>
      progress(`  ${labels[i]}: ${d.rows.toLocaleString("en-US")} rows, ${Object.keys(d.columns).length} columns (${secs(ms)})\n`),
    );
    const t1 = now();
    progress(`comparing ... `);
    const input = { reference, current, referenceName: v.reference!, currentName: v.current! };
    const featureDrift = await computeDriftParallel(reference, current, featureRequest(input, settings), compute);
    const report = analyze(input, settings, compute, now, featureDrift, t1);
    report.meta.read_ms = t1 - t0;
    progress(`done (${secs(now() - t1)})\n`);
    report.retrain.action = report.retrain.fired ? "local run: no retrain event sent (the in-cluster drift job sends it)" : "no retraining needed";
    const files = reportFiles(report);
    const written = writeFilesAtomically(v.out!, files);
    if (!v.quiet) io.stdout(renderSummary(report, { color: io.color }) + "\n\n");
    io.stdout(`Report: ${written.join(", ")} (${secs(now() - t0)})\n`);
    const errs = Object.keys(report.column_errors);
    if (errs.length) {
      io.stderr(`drift: ${errs.length} column(s) could not be compared: ${errs.map((c) => `${c} (${report.column_errors[c]})`).join("; ")}\n`);
      return EXIT.columnsNotCompared;
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || err instanceof DataError || err instanceof OutputError) return fail(err.message);
    io.stderr(failureText("drift", err));
    return EXIT.internal;
  }
}
