/**
 * The dataset schema shared by the drifter (which generates it), the model API and
 * trainer (which learn and serve it) and the drift check (which compares it).
 *
 * A credit-risk table: one row per loan application, numeric and categorical features,
 * and a ground-truth label `default` given by a fixed function of the features
 * (`labelOf`), so a model can learn it and accuracy can be measured.
 */

export interface NumericFeature {
  name: string;
  kind: "num";
  description: string;
  /** Physical bounds: values outside them are invalid input (not merely drifted). */
  min: number;
  max: number;
  integer: boolean;
}

export interface CategoricalFeature {
  name: string;
  kind: "cat";
  description: string;
  /** The categories of the reference world. Unseen categories are valid input (drift), see CATEGORY_PATTERN. */
  categories: readonly string[];
}

export type Feature = NumericFeature | CategoricalFeature;

/** A category value must match this (unseen categories are allowed, they are drift). */
export const CATEGORY_PATTERN = /^[a-z0-9_]{1,40}$/;

export const FEATURES: readonly Feature[] = [
  { name: "age", kind: "num", description: "applicant age in years", min: 18, max: 100, integer: true },
  { name: "income", kind: "num", description: "annual income", min: 0, max: 10_000_000, integer: false },
  { name: "loan_amount", kind: "num", description: "requested loan amount", min: 0, max: 5_000_000, integer: false },
  { name: "credit_score", kind: "num", description: "bureau credit score", min: 300, max: 850, integer: true },
  { name: "debt_to_income", kind: "num", description: "monthly debt payments / monthly income", min: 0, max: 10, integer: false },
  { name: "months_employed", kind: "num", description: "months with the current employer", min: 0, max: 960, integer: true },
  { name: "num_open_accounts", kind: "num", description: "open credit accounts", min: 0, max: 200, integer: true },
  { name: "employment_type", kind: "cat", description: "type of employment", categories: ["salaried", "self_employed", "contractor", "unemployed"] },
  { name: "home_ownership", kind: "cat", description: "housing situation", categories: ["rent", "own", "mortgage"] },
  { name: "loan_purpose", kind: "cat", description: "what the loan is for", categories: ["car", "home", "education", "business", "medical"] },
  { name: "region", kind: "cat", description: "applicant region", categories: ["north", "south", "east", "west"] },
];

/** The ground-truth label column (0 = repaid, 1 = defaulted). */
export const LABEL = "default";
/** Columns the model API adds to each logged request. */
export const PREDICTION = "prediction";
export const PROBABILITY = "probability";

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);
export const NUMERIC_FEATURES = FEATURES.filter((f): f is NumericFeature => f.kind === "num");
export const CATEGORICAL_FEATURES = FEATURES.filter((f): f is CategoricalFeature => f.kind === "cat");

/** One row: numbers for numeric features, strings for categorical ones, null when missing. */
export type Row = Record<string, number | string | null>;

/** Which label function is in force: `base`, or `shifted` under concept drift. */
export type Concept = "base" | "shifted";

/** A numeric value, or `fallback` when missing. */
function num(v: number | string | null | undefined, fallback: number): number {
  return typeof v === "number" ? v : fallback;
}

/** What the label formula reads: an applicant's values, none missing. */
export interface Applicant {
  age: number;
  income: number;
  loan_amount: number;
  credit_score: number;
  debt_to_income: number;
  months_employed: number;
  employment_type: string;
  home_ownership: string;
  loan_purpose: string;
}

/**
 * The log-odds of default from complete values: the formula. The drifter's row core
 * (lib/generator/wasm/core.ts) computes the same in WebAssembly for every generated row, and the
 * drifter's tests check each generated label against this one.
 */
export function applicantLogit(a: Applicant, concept: Concept = "base"): number {
  const credit = (a.credit_score - 680) / 60;
  const dti = (a.debt_to_income - 0.35) / 0.15;
  const loanToIncome = a.loan_amount / Math.max(a.income, 1000);
  const tenure = Math.min(a.months_employed, 240) / 60;
  if (concept === "shifted") {
    // The world changed: debt matters far more, the credit score less, and renters default more.
    return -1.2 - 0.3 * credit + 2.0 * dti + 2.2 * (loanToIncome - 0.3) - 0.35 * tenure + (a.home_ownership === "rent" ? 0.9 : 0);
  }
  const age = (a.age - 42) / 12;
  const emp = a.employment_type;
  const purpose = a.loan_purpose;
  let z = -1.2 - 1.1 * credit + 0.9 * dti + 2.2 * (loanToIncome - 0.3) - 0.35 * tenure - 0.15 * age;
  if (emp === "unemployed") z += 1.4;
  else if (emp === "contractor") z += 0.4;
  if (a.home_ownership === "own") z -= 0.3;
  if (purpose === "business") z += 0.5;
  else if (purpose === "medical") z += 0.3;
  return z;
}

const text = (v: number | string | null | undefined) => (typeof v === "string" ? v : "");

/**
 * The log-odds of default: a fixed, learnable function of the features. Missing values
 * count as the reference mean (so the label is always defined).
 */
export function defaultLogit(row: Row, concept: Concept = "base"): number {
  return applicantLogit(
    {
      age: num(row.age, 42),
      income: num(row.income, 55000),
      loan_amount: num(row.loan_amount, 15000),
      credit_score: num(row.credit_score, 680),
      debt_to_income: num(row.debt_to_income, 0.35),
      months_employed: num(row.months_employed, 60),
      employment_type: text(row.employment_type),
      home_ownership: text(row.home_ownership),
      loan_purpose: text(row.loan_purpose),
    },
    concept,
  );
}

/** The ground-truth label: 1 when the log-odds are positive (a fixed, deterministic function). */
export function labelOf(row: Row, concept: Concept = "base"): 0 | 1 {
  return defaultLogit(row, concept) > 0 ? 1 : 0;
}

/** The legacy drifter table: `feat0..featN-1`, independent N(0, 1) floats. */
export function legacyColumns(cols: number): string[] {
  return Array.from({ length: cols }, (_, i) => `feat${i}`);
}
