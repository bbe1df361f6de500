/**
 * The drift scenarios the drifter can apply, what each one moves, and which table it
 * applies to. `magnitude` is always a number from 0 (no drift: the batch is byte for byte
 * the `none` batch of the same seed) to 1 (the strongest drift the scenario makes).
 */

export const SCHEMAS = ["credit", "legacy"] as const;
export type SchemaName = (typeof SCHEMAS)[number];

export const SCENARIOS = [
  "none",
  "mean_shift",
  "scale_change",
  "category_mix",
  "new_category",
  "missing_spike",
  "label_prior",
  "concept",
  "drift_prob",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioInfo {
  description: string;
  /** What `magnitude` (0..1) means for this scenario. */
  magnitude: string;
  /** Tables the scenario applies to. */
  schemas: readonly SchemaName[];
}

export const SCENARIO_INFO: Readonly<Record<Scenario, ScenarioInfo>> = {
  none: { description: "the reference world: no drift", magnitude: "ignored", schemas: ["credit", "legacy"] },
  mean_shift: {
    description: "every numeric feature's location moves (credit: incomes, loans, debt and age up, credit scores down)",
    magnitude: "shift of 2 x magnitude standard deviations of the feature's underlying normal",
    schemas: ["credit", "legacy"],
  },
  scale_change: {
    description: "every numeric feature spreads out around its usual centre",
    magnitude: "standard deviation of the underlying normal multiplied by 1 + 2 x magnitude",
    schemas: ["credit", "legacy"],
  },
  category_mix: {
    description: "every categorical feature's mix moves toward its rarest category",
    magnitude: "p' = (1 - magnitude) p + magnitude x (all mass on the rarest category)",
    schemas: ["credit"],
  },
  new_category: {
    description: "a category never seen in the reference appears in every categorical feature",
    magnitude: "share of rows whose value is the new category, per categorical feature",
    schemas: ["credit"],
  },
  missing_spike: {
    description: "values go missing (empty in CSV, null in JSON), as after a broken upstream join",
    magnitude: "share of missing values in every feature column (the label is never missing)",
    schemas: ["credit", "legacy"],
  },
  label_prior: {
    description: "defaults become more frequent while each class keeps its feature distribution (prior shift)",
    magnitude: "non-defaulting applicants are kept with probability 1 - 0.8 x magnitude",
    schemas: ["credit"],
  },
  concept: {
    description: "the features stay the same but the label function changes (concept drift, schema concept `shifted`)",
    magnitude: "share of rows labelled by the shifted concept",
    schemas: ["credit"],
  },
  drift_prob: {
    description: "the classic drifter: each numeric column's mean moves to a random value in [0, 1) standard deviations",
    magnitude: "probability that a column drifts (the legacy DRIFT_PROB)",
    schemas: ["credit", "legacy"],
  },
};

/** New categories introduced by `new_category`, per categorical feature of the credit table. */
export const NEW_CATEGORIES: Readonly<Record<string, string>> = {
  employment_type: "gig_worker",
  home_ownership: "co_living",
  loan_purpose: "crypto",
  region: "offshore",
};

export class ScenarioError extends Error {
  constructor(
    /** The parameter that is wrong, e.g. `scenario`. */
    public readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = "ScenarioError";
  }
}

const LIST_RULE = `allowed: ${SCENARIOS.join(", ")}, or a list of them separated by single commas (no spaces, no empty items)`;

/**
 * Parses `scenario` as one id or a comma-separated list (applied together), checks each
 * against the table. Returns the list without `none` and without duplicates, in the
 * canonical order of SCENARIOS. The list is taken as written: an empty item
 * (`none,,mean_shift`, a trailing comma) or spaces around a name are errors, not skipped.
 */
export function parseScenarios(value: string | readonly string[], schema: SchemaName): Scenario[] {
  const parts = typeof value === "string" ? value.split(",") : [...value];
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "")) throw new ScenarioError("scenario", `scenario is empty; ${LIST_RULE}`);
  const set = new Set<Scenario>();
  for (const [i, p] of parts.entries()) {
    const where = parts.length > 1 ? `item ${i + 1} of the scenario list ${JSON.stringify(typeof value === "string" ? value : parts.join(","))}` : "scenario";
    if (p === "") throw new ScenarioError("scenario", `${where} is empty; ${LIST_RULE}`);
    if (p.trim() !== p) throw new ScenarioError("scenario", `${where} (${JSON.stringify(p)}) has spaces around the name; ${LIST_RULE}`);
    if (!(SCENARIOS as readonly string[]).includes(p)) {
      throw new ScenarioError("scenario", `scenario ${JSON.stringify(p)} is unknown; ${LIST_RULE}`);
    }
    const s = p as Scenario;
    if (!SCENARIO_INFO[s].schemas.includes(schema)) {
      const ok = SCENARIOS.filter((x) => SCENARIO_INFO[x].schemas.includes(schema));
      throw new ScenarioError("scenario", `scenario ${s} needs schema=${SCENARIO_INFO[s].schemas.join(" or ")}; with schema=${schema} allowed: ${ok.join(", ")}`);
    }
    if (s !== "none") set.add(s);
  }
  return SCENARIOS.filter((s) => set.has(s));
}
