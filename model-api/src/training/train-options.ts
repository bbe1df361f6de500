/** The training flags shared by `npm run train` and `npm run retrain`, validated. */
import { ENV, INITIAL_REFERENCE } from "../../../lib/contract";
import { optionalStringEnv, urlEnv } from "../../../lib/env";
import { parseScenarios } from "../../../lib/scenarios";
import { UsageError, enumFlag, floatFlag, intFlag } from "../../../lib/cli";
import type { DataSource } from "./training-data";
import { PROMOTION_METRICS, type PromotionMetric } from "./training";

export const TRAIN_FLAGS = {
  file: { type: "string" },
  drifter: { type: "boolean" },
  generate: { type: "boolean" },
  rows: { type: "string" },
  scenario: { type: "string" },
  magnitude: { type: "string" },
  "data-seed": { type: "string" },
  seed: { type: "string" },
  holdout: { type: "string" },
  l2: { type: "string" },
  "max-iter": { type: "string" },
  metric: { type: "string" },
  tolerance: { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const TRAIN_HELP = `Training data (one of; default: --drifter when ${ENV.drifterUrl} is set):
  --file <path>        labelled CSV or NDJSON: the schema's features and the label "default"
  --drifter            fetch --rows rows from the drifter (${ENV.drifterUrl})
  --generate           generate --rows rows in-process with the drifter's generator
  --rows <n>           rows to fetch or generate, 100..1000000 (default 20000)
  --scenario <s>       drifter scenario of the fetched/generated rows (default none)
  --magnitude <m>      scenario magnitude, 0..1 (drifter default)
  --data-seed <n>      seed of the fetched/generated rows (default: drifter: random; generate: ${INITIAL_REFERENCE.seed})
Training:
  --seed <n>           seed of the train/holdout split (default 1)
  --holdout <f>        holdout share, in (0, 0.5] (default 0.2)
  --l2 <x>             L2 penalty, 0..100 (default 0.001)
  --max-iter <n>       L-BFGS iterations, 0..10000 (default 200; 0 = untrained baseline)
Promotion:
  --metric <m>         ${PROMOTION_METRICS.join(" | ")} (default auc; log_loss/brier: lower is better)
  --tolerance <x>      how much worse than the champion still counts as not worse, 0..1 (default 0)
  --dry-run            train, log and compare, but register nothing, promote nothing, write no reference
Output:
  --json               print the outcome as one JSON object on stdout
  -h, --help           this help`;

export interface ResolvedTraining {
  source: DataSource;
  seed: number;
  holdoutFraction: number;
  l2: number;
  maxIter: number;
  metric: PromotionMetric;
  tolerance: number;
  dryRun: boolean;
  json: boolean;
}

type Values = Partial<Record<keyof typeof TRAIN_FLAGS, string | boolean | undefined>>;

export function resolveTraining(v: Values, env: Record<string, string | undefined>, opts: { offline?: boolean } = {}): ResolvedTraining {
  const chosen = (["file", "drifter", "generate"] as const).filter((k) => v[k] !== undefined && v[k] !== false);
  if (chosen.length > 1) throw new UsageError(`choose one data source; got --${chosen.join(" and --")}`);
  if (v.file === "") throw new UsageError("--file needs a path");
  const rows = intFlag("rows", v.rows, 100, 1_000_000, opts.offline ? INITIAL_REFERENCE.rows : 20_000);
  const scenario = typeof v.scenario === "string" ? v.scenario : undefined;
  if (scenario !== undefined) {
    try {
      parseScenarios(scenario, "credit");
    } catch (err) {
      throw new UsageError(`--scenario=${JSON.stringify(scenario)}: ${(err as Error).message}`);
    }
  }
  const magnitude = v.magnitude === undefined ? undefined : floatFlag("magnitude", v.magnitude, 0, 1, 0);
  const dataSeed = v["data-seed"] === undefined ? undefined : intFlag("data-seed", v["data-seed"], 0, 4294967295, 0);
  let source: DataSource;
  const kind = chosen[0] ?? (opts.offline ? "generate" : optionalStringEnv(env, ENV.drifterUrl) ? "drifter" : undefined);
  if (kind === "file") source = { kind: "file", path: v.file as string };
  else if (kind === "generate") source = { kind: "generate", rows, seed: dataSeed ?? INITIAL_REFERENCE.seed, scenario, magnitude };
  else if (kind === "drifter") {
    if (opts.offline) throw new UsageError("--offline cannot fetch from the drifter; use --file or --generate");
    source = { kind: "drifter", url: urlEnv(env, ENV.drifterUrl), rows, seed: dataSeed, scenario, magnitude };
  } else throw new UsageError(`no training data: pass --file <path>, --generate, or --drifter with ${ENV.drifterUrl} set`);
  return {
    source,
    seed: intFlag("seed", v.seed, 0, 4294967295, 1),
    holdoutFraction: floatFlag("holdout", v.holdout, 0, 0.5, 0.2, { exclusiveMin: true }),
    l2: floatFlag("l2", v.l2, 0, 100, 1e-3),
    maxIter: intFlag("max-iter", v["max-iter"], 0, 10_000, 200),
    metric: enumFlag("metric", v.metric, PROMOTION_METRICS, "auc"),
    tolerance: floatFlag("tolerance", v.tolerance, 0, 1, 0),
    dryRun: v["dry-run"] === true,
    json: v.json === true,
  };
}
