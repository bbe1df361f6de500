/**
 * A typed model of the parts of the GitHub Actions workflow syntax drift-loop uses, and
 * its rendering to YAML. The types make the things reviewers look for impossible to
 * forget: every workflow and job states its `permissions` and every job its timeout,
 * and actions are referenced only through `PinnedAction` (a commit SHA plus the release
 * it is, written as a comment next to the SHA).
 * https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
import { Document, Scalar, isScalar, visit } from "yaml";

/** Access of the `GITHUB_TOKEN` to one scope. */
export type PermissionLevel = "read" | "write" | "none";

/** The `GITHUB_TOKEN` scopes drift-loop's workflows may ask for. */
export type PermissionScope = "actions" | "contents" | "pull-requests" | "id-token" | "packages" | "statuses" | "checks";

/** `permissions:` of a workflow or job; `{}` grants nothing. */
export type Permissions = Partial<Record<PermissionScope, PermissionLevel>>;

/** A GitHub Action at an immutable commit, with the release tag people recognise. */
export interface PinnedAction {
  /** owner/repo */
  readonly repo: string;
  /** The full 40-hex commit SHA the release tag points to. */
  readonly sha: string;
  /** The release tag, written as a comment next to the SHA. */
  readonly version: string;
}

export interface Concurrency {
  group: string;
  "cancel-in-progress": boolean;
}

interface StepBase {
  /** Shown in the run log; every step has one. */
  name: string;
  id?: string;
  if?: string;
  env?: Record<string, string>;
  "continue-on-error"?: boolean;
  "timeout-minutes"?: number;
}

/** A step that runs a shell script (bash, `set -eo pipefail` by GitHub's default). */
export interface RunStep extends StepBase {
  run: string;
  "working-directory"?: string;
}

/** A step that calls an action, always pinned. */
export interface UsesStep extends StepBase {
  uses: PinnedAction;
  with?: Record<string, string | number | boolean>;
}

export type Step = RunStep | UsesStep;

export interface Job {
  name: string;
  "runs-on": string;
  /** Least privilege: each job names the scopes it needs. */
  permissions: Permissions;
  "timeout-minutes": number;
  needs?: string[];
  if?: string;
  concurrency?: Concurrency;
  env?: Record<string, string>;
  steps: Step[];
}

export interface WorkflowDispatchInput {
  description: string;
  required: boolean;
  type: "string" | "boolean" | "choice";
  default?: string | boolean;
  options?: string[];
}

export interface Triggers {
  pull_request?: { branches: string[]; types?: ("opened" | "synchronize" | "reopened" | "ready_for_review")[] };
  push?: { branches: string[] };
  repository_dispatch?: { types: string[] };
  workflow_dispatch?: { inputs?: Record<string, WorkflowDispatchInput> };
}

export interface Workflow {
  name: string;
  on: Triggers;
  /** The default for every job: normally `{}`, so a job gets only what it names. */
  permissions: Permissions;
  concurrency?: Concurrency;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export function isUsesStep(step: Step): step is UsesStep {
  return "uses" in step;
}

/** `owner/repo@sha`, the form written into the YAML. */
export function actionRef(action: PinnedAction): string {
  return `${action.repo}@${action.sha}`;
}

/** The workflow as the plain object GitHub reads (actions as `owner/repo@sha`). */
export function toPlain(workflow: Workflow): Record<string, unknown> {
  const jobs: Record<string, unknown> = {};
  for (const [id, job] of Object.entries(workflow.jobs)) {
    jobs[id] = {
      ...job,
      steps: job.steps.map((step) =>
        isUsesStep(step)
          ? { ...step, uses: actionRef(step.uses) }
          : // A multi-line script ends with a newline, so it renders as a plain `|` block.
            { ...step, run: step.run.includes("\n") && !step.run.endsWith("\n") ? `${step.run}\n` : step.run },
      ),
    };
  }
  return { ...workflow, jobs };
}

/**
 * Renders a workflow to YAML with `header` as the leading comment and each pinned
 * action's release tag as a comment after its SHA (`uses: owner/repo@<sha> # v1.2.3`),
 * the form Dependabot and Renovate keep up to date.
 */
export function renderWorkflow(workflow: Workflow, header: string): string {
  const versions = new Map<string, string>();
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps) {
      if (isUsesStep(step)) versions.set(actionRef(step.uses), step.uses.version);
    }
  }
  // No anchors/aliases for repeated steps: each job reads top to bottom on its own.
  const doc = new Document(toPlain(workflow), { aliasDuplicateObjects: false });
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === "uses" && isScalar(pair.value)) {
        const version = versions.get(String(pair.value.value));
        if (version) (pair.value as Scalar).comment = ` ${version}`;
      }
    },
  });
  doc.commentBefore = header
    .split("\n")
    .map((line) => (line ? ` ${line}` : ""))
    .join("\n");
  return doc.toString({ lineWidth: 0, blockQuote: "literal", indentSeq: true });
}
