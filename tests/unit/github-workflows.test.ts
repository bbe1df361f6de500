import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { DRIFT_DISPATCH_PAYLOAD_KEYS, DRIFT_EVENT_TYPE, RETRAIN_ENV, type DriftDispatchPayload } from "../../lib/contract";
import { type Job, type Workflow, isUsesStep, renderWorkflow, toPlain } from "../../components/github/model";
import {
  ACTIONS,
  GENERATED_HEADER,
  NODE_VERSION,
  PULUMI_CLI_VERSION,
  RETRAINED_MODEL_DIR,
  SECRETS,
  VARIABLES,
  WORKFLOWS_DIR,
  renderWorkflows,
  workflows,
} from "../../components/github/workflows";
import { MODEL_BUILD_FILE } from "../../lib/contract";
import { diffWorkflows, main as writeWorkflowsMain, writeWorkflows } from "../../scripts/ci/write-workflows";

const ROOT = resolve(__dirname, "..", "..");
const CACHE = process.env.DRIFT_LOOP_CACHE ?? join(homedir(), ".cache", "drift-loop");
const ACTIONLINT = join(CACHE, "bin", "actionlint");

/** Compile-time: the list of payload keys names every key of the interface. */
type MissingPayloadKeys = Exclude<keyof DriftDispatchPayload, (typeof DRIFT_DISPATCH_PAYLOAD_KEYS)[number]>;
const payloadKeysAreComplete: [MissingPayloadKeys] extends [never] ? true : false = true;

function actionlint(dir: string): { status: number | null; output: string } {
  if (!existsSync(ACTIONLINT)) {
    assert.fail(`actionlint is not installed at ${ACTIONLINT}; run \`npm run setup\` (scripts/setup.d/50-actionlint.sh)`);
  }
  const wfDir = join(dir, WORKFLOWS_DIR);
  const paths = readdirSync(wfDir).map((f) => join(wfDir, f));
  const r = spawnSync(ACTIONLINT, ["-no-color", "-oneline", ...paths], { cwd: dir, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A throwaway repository root with the given workflow files under .github/workflows. */
function tempRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "drift-loop-workflows-"));
  mkdirSync(join(dir, WORKFLOWS_DIR), { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, WORKFLOWS_DIR, file), content);
  return dir;
}

function allJobs(): [string, string, Job][] {
  return Object.entries(workflows()).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => [file, id, job] as [string, string, Job]));
}

function stepNamed(job: Job, name: string) {
  const step = job.steps.find((s) => s.name === name);
  assert.ok(step, `step "${name}" in job "${job.name}"; has: ${job.steps.map((s) => s.name).join(", ")}`);
  return step;
}

describe("GitHub workflows generated from TypeScript", () => {
  const files = renderWorkflows();
  const wf = workflows();

  describe("actionlint", () => {
    it("passes every generated workflow, with shellcheck checking the run: scripts", function () {
      const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
      assert.equal(shellcheck.status, 0, "shellcheck is not on PATH, so actionlint would skip the run: scripts; run `npm run setup`");
      const dir = tempRepo(files);
      try {
        const { status, output } = actionlint(dir);
        assert.equal(status, 0, `actionlint found problems:\n${output}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("is really checking: it rejects a workflow with an unsafe script and an unknown permission", () => {
      const broken = workflows()["retrain.yml"];
      broken.jobs.retrain.permissions = { contents: "read", ...({ "issues-and-more": "write" } as object) };
      broken.jobs.retrain.steps.push({ name: "Unsafe", run: 'echo "`date`" ${{ github.event.client_payload.reason }}' });
      const dir = tempRepo({ "broken.yml": renderWorkflow(broken, GENERATED_HEADER) });
      try {
        const { status, output } = actionlint(dir);
        assert.equal(status, 1, output);
        assert.match(output, /issues-and-more/);
        assert.match(output, /SC2006/, "shellcheck ran on the script");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("files", () => {
    it("commits copies under .github/workflows that equal what the program writes", () => {
      assert.deepEqual(diffWorkflows(join(ROOT, WORKFLOWS_DIR)), [], "run `npm run workflows` and commit the result");
      assert.deepEqual(Object.keys(files).sort(), ["deploy.yml", "pr-check.yml", "retrain.yml"]);
    });

    it("renders YAML that parses back to the typed workflow, with the generated-file header", () => {
      for (const [file, content] of Object.entries(files)) {
        assert.ok(content.startsWith(`# ${GENERATED_HEADER.split("\n")[0]}\n`), file);
        assert.deepEqual(parse(content), JSON.parse(JSON.stringify(toPlain(wf[file]))), file);
        assert.doesNotMatch(content, /^\s*[&*]a\d/m, `${file} uses no YAML anchors`);
      }
    });

    it("installs the Pulumi CLI of the same release as the pinned @pulumi/pulumi SDK", () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
      assert.equal(PULUMI_CLI_VERSION, pkg.dependencies["@pulumi/pulumi"]);
      const pulumiSteps = Object.values(wf).flatMap((w) => Object.values(w.jobs).flatMap((j) => j.steps)).filter((s) => isUsesStep(s) && s.uses === ACTIONS.pulumi);
      assert.equal(pulumiSteps.length, 3);
      for (const s of pulumiSteps) assert.ok(isUsesStep(s) && s.with?.["pulumi-version"] === PULUMI_CLI_VERSION);
    });

    it("pins every action to a full commit SHA with its release as a comment", () => {
      const uses = Object.values(files).flatMap((c) => c.split("\n").filter((l) => /^\s+uses:/.test(l)));
      assert.ok(uses.length >= 10);
      for (const line of uses) assert.match(line, /^\s+uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, line);
      for (const action of Object.values(ACTIONS)) assert.match(action.sha, /^[0-9a-f]{40}$/);
    });

    it("checks with --check, writes without it, and flags a generated file that is no longer produced", () => {
      const dir = tempRepo({ "deploy.yml": "name: edited by hand\n", "mine.yml": "name: hand-written\n" });
      const wfDir = join(dir, WORKFLOWS_DIR);
      const log = console.log, err = console.error, warn = console.warn;
      console.log = console.error = console.warn = () => {};
      try {
        assert.deepEqual(
          diffWorkflows(wfDir).map((d) => `${d.file}:${d.problem}`).sort(),
          ["deploy.yml:differs", "pr-check.yml:missing", "retrain.yml:missing"],
        );
        assert.equal(writeWorkflowsMain(["--check", "--dir", wfDir]), 1);
        assert.equal(readFileSync(join(wfDir, "deploy.yml"), "utf8"), "name: edited by hand\n", "--check writes nothing");
        assert.equal(writeWorkflowsMain(["--dir", wfDir]), 0);
        assert.equal(writeWorkflowsMain(["--check", "--dir", wfDir]), 0);
        assert.equal(readFileSync(join(wfDir, "mine.yml"), "utf8"), "name: hand-written\n", "hand-written workflows are left alone");
        writeFileSync(join(wfDir, "old.yml"), files["deploy.yml"]);
        assert.deepEqual(diffWorkflows(wfDir), [{ file: "old.yml", problem: "stale" }]);
        assert.deepEqual(writeWorkflows(wfDir), [], "nothing to rewrite");
        assert.equal(writeWorkflowsMain(["--frobnicate"]), 2);
      } finally {
        console.log = log;
        console.error = err;
        console.warn = warn;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("runs only repository files that exist: every `npx tsx <file>` of the workflows, and the `npm run workflows` script", () => {
      const run = Object.values(renderWorkflows()).join("\n");
      const files = [...run.matchAll(/npx tsx (\S+\.ts)/g)].map((m) => m[1]!);
      assert.deepEqual([...new Set(files)].sort(), ["scripts/ci/smoke-check.ts", "scripts/ci/with-cluster.ts"]);
      const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
      files.push(/^tsx (\S+)$/.exec(pkg.scripts.workflows)![1]!);
      for (const f of files) assert.ok(existsSync(join(ROOT, f)), `${f} is not in the repository`);
    });

    it("runs as `npm run workflows -- --check` against the committed copies", function () {
      this.timeout(60_000);
      const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/ci/write-workflows.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
      assert.match(out, /up to date/);
    });
  });

  describe("least privilege, timeouts, caching", () => {
    it("grants nothing at workflow level and only read access to jobs, except the PR comment and the retrain's commit", () => {
      for (const [file, workflow] of Object.entries(wf)) assert.deepEqual(workflow.permissions, {}, file);
      const allowedWrites: Record<string, string[]> = { "pr-check.yml preview": ["pull-requests"], "retrain.yml retrain": ["contents"] };
      for (const [file, id, job] of allJobs()) {
        const writes = Object.entries(job.permissions).filter(([, level]) => level === "write").map(([scope]) => scope);
        assert.deepEqual(writes, allowedWrites[`${file} ${id}`] ?? [], `${file} ${id}`);
        assert.deepEqual(Object.keys(job.permissions).sort(), ["contents", ...writes].filter((v, i, a) => a.indexOf(v) === i).sort(), `${file} ${id} asks for nothing else`);
      }
    });

    it("bounds every job with a timeout and caches npm in every setup-node", () => {
      for (const [file, id, job] of allJobs()) {
        assert.ok(job["timeout-minutes"] > 0 && job["timeout-minutes"] <= 60, `${file} ${id}`);
        const setupNode = job.steps.find((s) => isUsesStep(s) && s.uses === ACTIONS.setupNode);
        assert.ok(setupNode && isUsesStep(setupNode), `${file} ${id} sets up Node`);
        assert.deepEqual(setupNode.with, { "node-version": NODE_VERSION, cache: "npm" });
        const checkout = job.steps[0];
        assert.ok(isUsesStep(checkout) && checkout.uses === ACTIONS.checkout && checkout.with?.["persist-credentials"] === false, `${file} ${id}`);
      }
    });

    it("reads credentials only from secrets, never from variables or literals", () => {
      for (const content of Object.values(files)) {
        for (const name of Object.values(SECRETS)) assert.doesNotMatch(content, new RegExp(`vars\\.${name}\\b`));
        for (const name of Object.values(VARIABLES)) assert.doesNotMatch(content, new RegExp(`secrets\\.${name}\\b`));
      }
      assert.match(files["deploy.yml"], /password: \$\{\{ secrets\.REGISTRY_TOKEN \}\}/);
    });
  });

  describe("PR check", () => {
    const pr = wf["pr-check.yml"];
    it("runs on pull requests to main and cancels superseded runs of the same PR", () => {
      assert.deepEqual(pr.on, { pull_request: { branches: ["main"] } });
      assert.deepEqual(pr.concurrency, { group: "pr-check-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    });

    it("tests first, then posts `pulumi preview` of the configured stack as a PR comment", () => {
      assert.ok(pr.jobs.test.steps.some((s) => !isUsesStep(s) && s.run === "npm test"));
      const preview = pr.jobs.preview;
      assert.deepEqual(preview.needs, ["test"]);
      const step = stepNamed(preview, "Pulumi preview");
      assert.ok(isUsesStep(step));
      assert.equal(step.uses, ACTIONS.pulumi);
      assert.equal(step.with?.command, "preview");
      assert.equal(step.with?.["stack-name"], "${{ vars.PULUMI_STACK }}");
      assert.equal(step.with?.["comment-on-pr"], true);
      assert.equal(step.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
      assert.equal(preview.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    });

    it("does not try a preview for forks, which get no secrets", () => {
      assert.equal(pr.jobs.preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
    });
  });

  describe("Deploy", () => {
    const deploy = wf["deploy.yml"];
    it("runs on push to main, one update of the stack at a time, never cancelled half-way", () => {
      assert.deepEqual(deploy.on, { push: { branches: ["main"] } });
      assert.deepEqual(deploy.concurrency, { group: "deploy-${{ vars.PULUMI_STACK }}", "cancel-in-progress": false });
    });

    it("runs the tests, then `pulumi up` after a registry login, then smoke-checks the outputs' URLs", () => {
      const job = deploy.jobs.deploy;
      assert.deepEqual(job.needs, ["test"]);
      const names = job.steps.map((s) => s.name);
      const login = names.indexOf("Log in to the container registry");
      const up = names.indexOf("Pulumi up");
      const smoke = names.indexOf("Smoke check the stack's URLs");
      assert.ok(names.indexOf("Write the kubeconfig") < up && login < up && up < smoke && login >= 0, names.join(", "));
      const upStep = job.steps[up];
      assert.ok(isUsesStep(upStep) && upStep.with?.command === "up" && upStep.with?.["stack-name"] === "${{ vars.PULUMI_STACK }}");
      const loginStep = job.steps[login];
      assert.equal(loginStep.if, "vars.REGISTRY_SERVER != ''", "no registry login for Minikube stacks");
      const smokeStep = job.steps[smoke];
      assert.ok(!isUsesStep(smokeStep) && /pulumi stack output --json --stack "\$\{STACK\}"/.test(smokeStep.run) && /smoke-check\.ts/.test(smokeStep.run));
      // Its own model API token, masked before the check can print anything.
      const lines = smokeStep.run.split("\n");
      const read = lines.findIndex((l: string) => /--show-secrets --stack "\$\{STACK\}" smokeModelApiToken/.test(l));
      assert.ok(read >= 0 && /::add-mask::\$\{token\}/.test(lines[read + 1]!) && /MODEL_API_TOKEN="\$\{token\}" npx tsx .*smoke-check\.ts/.test(lines[read + 2]!), smokeStep.run);
    });

    it("writes the kubeconfig with owner-only permissions outside the workspace", () => {
      const step = stepNamed(deploy.jobs.deploy, "Write the kubeconfig");
      assert.ok(!isUsesStep(step));
      assert.equal(step.env?.KUBECONFIG_B64, "${{ secrets.KUBECONFIG_B64 }}");
      assert.ok(step.run.indexOf("umask 077") < step.run.indexOf("base64 --decode"), "umask before the file is created");
      assert.match(step.run, /\$\{RUNNER_TEMP\}\/kubeconfig/);
    });
  });

  describe("Retrain", () => {
    const retrain = wf["retrain.yml"];
    it("runs on the drift-detected dispatch and by hand", () => {
      assert.deepEqual(retrain.on.repository_dispatch, { types: [DRIFT_EVENT_TYPE] });
      assert.equal(DRIFT_EVENT_TYPE, "drift-detected");
      assert.equal(retrain.on.workflow_dispatch?.inputs?.reason.type, "string");
    });

    it("never runs two retrains at once and never cancels a running one", () => {
      assert.deepEqual(retrain.concurrency, { group: "retrain-${{ vars.PULUMI_STACK }}", "cancel-in-progress": false });
    });

    it("runs `npm run retrain` for the configured stack with the Pulumi CLI installed and logged in", () => {
      const job = retrain.jobs.retrain;
      const names = job.steps.map((s) => s.name);
      assert.ok(names.indexOf("Install the Pulumi CLI") < names.indexOf("Log in to the state backend"));
      assert.ok(names.indexOf("Log in to the state backend") < names.indexOf("Retrain"));
      const step = stepNamed(job, "Retrain");
      assert.ok(!isUsesStep(step));
      assert.match(step.run, /^set -o pipefail$/m, "a failing `pulumi stack output` fails the step");
      assert.match(step.run, /^pulumi stack output --json --show-secrets --stack "\$\{PULUMI_STACK\}" \| npx tsx scripts\/ci\/with-cluster\.ts -- npm run retrain$/m);
      assert.equal(job.env?.[RETRAIN_ENV.stack], "${{ vars.PULUMI_STACK }}");
    });

    it("commits the retrained model and its stack config back to the branch, with the token never left in .git/config", () => {
      const job = retrain.jobs.retrain;
      const names = job.steps.map((s) => s.name);
      assert.equal(names.at(-1), "Record the retrained model in the repository");
      assert.equal(names.at(-2), "Retrain");
      const step = stepNamed(job, "Record the retrained model in the repository");
      assert.ok(!isUsesStep(step));
      assert.equal(step.if, undefined, "only after a successful retrain");
      assert.match(step.run, /git add -- "\$\{stack_file\}" model-api\/model$/m);
      assert.match(step.run, /^stack_file="Pulumi\.\$\{PULUMI_STACK##\*\/\}\.yaml"$/m, "Pulumi.<stack>.yaml of the short stack name");
      assert.match(step.run, /push origin "HEAD:\$\{GITHUB_REF_NAME\}"/);
      assert.doesNotMatch(step.run, /git config .*extraheader|remote set-url/, "credentials only per command");
      assert.match(step.run, /nothing to record/, "a candidate that was not promoted commits nothing");
      const checkout = job.steps[0];
      assert.ok(isUsesStep(checkout) && checkout.with?.["persist-credentials"] === false);
    });

    it("commits the file model-api's retrain writes", () => {
      assert.ok(MODEL_BUILD_FILE.startsWith(`${RETRAINED_MODEL_DIR}/`), MODEL_BUILD_FILE);
    });

    it("reads only client_payload fields the drift dispatch sends, through env, never inside a script", () => {
      const yamlText = files["retrain.yml"];
      const referenced = [...yamlText.matchAll(/client_payload\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      assert.ok(payloadKeysAreComplete);
      assert.deepEqual([...new Set(referenced)].sort(), ["mlflow_run_id", "model_version", "reason", "report"]);
      for (const key of referenced) assert.ok((DRIFT_DISPATCH_PAYLOAD_KEYS as readonly string[]).includes(key), `client_payload.${key} is not a DriftDispatchPayload key`);
      const step = stepNamed(retrain.jobs.retrain, "Retrain");
      assert.ok(!isUsesStep(step));
      assert.doesNotMatch(step.run, /\$\{\{/, "no expression inside the script (script injection)");
      assert.deepEqual(step.env, {
        [RETRAIN_ENV.reason]: "${{ github.event.client_payload.reason || inputs.reason }}",
        [RETRAIN_ENV.report]: "${{ github.event.client_payload.report }}",
        [RETRAIN_ENV.mlflowRunId]: "${{ github.event.client_payload.mlflow_run_id }}",
        [RETRAIN_ENV.modelVersion]: "${{ github.event.client_payload.model_version }}",
      });
    });
  });

  it("puts no expression inside any run: script of any workflow", () => {
    for (const [file, workflow] of Object.entries(wf) as [string, Workflow][]) {
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps) if (!isUsesStep(step)) assert.doesNotMatch(step.run, /\$\{\{/, `${file}: ${step.name}`);
      }
    }
  });
});
