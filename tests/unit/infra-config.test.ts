/**
 * The stack config: Pulumi.yaml declares every key the program reads (type, default,
 * description); profiles supply defaults a stack can override; bad values stop the program
 * before any resource is declared, with a message naming the key and the allowed values.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { CONFIG_KEYS, ConfigValidationError, closeMatches, cronProblem, objectSource, parseConfig, unknownKeyProblems } from "../../infra/config";
import { REPO_ROOT } from "../../infra/platform";
import { PROFILES } from "../../stacks/profiles";
import { RecordingMocks, settle } from "../helpers/pulumi";

const project = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
const devStack = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8"));

function problemsOf(values: Record<string, string>): string {
  try {
    parseConfig(objectSource(values));
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, `expected a ConfigValidationError, got ${err}`);
    return err.message;
  }
  assert.fail(`config ${JSON.stringify(values)} was accepted`);
}

describe("stack config", () => {
  describe("Pulumi.yaml", () => {
    it("runs infra/index.ts with the nodejs runtime", () => {
      assert.equal(project.name, "drift-loop");
      assert.equal(project.runtime.name, "nodejs");
      assert.equal(project.main, "infra/index.ts");
      assert.ok(fs.existsSync(path.join(REPO_ROOT, project.main)));
    });

    it("declares every plain key the program reads with a type, a description and a default, so the CLI requires none", () => {
      // The CLI (sdk/go/common/workspace/config.go) fails `pulumi preview` with "Stack is missing
      // configuration values" for every declared key that has no default and no stack value.
      const plain = Object.entries(CONFIG_KEYS).filter(([, info]) => !info.secret);
      assert.deepEqual(Object.keys(project.config).sort(), plain.map(([k]) => k).sort());
      for (const [key, info] of plain) {
        const decl = project.config[key];
        assert.ok(typeof decl.description === "string" && decl.description.length > 15, `${key}: description`);
        assert.notEqual(decl.default, undefined, `${key}: a declared key without a default is required by the CLI`);
        if (info.profileDefault || info.default === undefined) {
          assert.equal(decl.type, "string", `${key}: "" (unset) must be a valid value of its declared type`);
          assert.equal(decl.default, "", `${key}: empty default = the profile's or the program's choice`);
          if (info.profileDefault) assert.match(decl.description, /profile/, `${key}: description says the profile decides`);
        } else {
          assert.equal(decl.type, info.type === "number" ? "string" : info.type, `${key}: type`);
          assert.equal(String(decl.default), String(info.default), `${key}: default differs from CONFIG_KEYS (infra/config/keys.ts)`);
        }
      }
    });

    it("documents every secret key but does not declare it (a declared default would be stored in plain text)", () => {
      const text = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
      for (const [key, info] of Object.entries(CONFIG_KEYS)) {
        if (!info.secret) continue;
        assert.equal(project.config[key], undefined, `${key}: secret keys are optional, so they cannot be declared`);
        assert.match(text, new RegExp(`^#   ${key}: .{15,}`, "m"), `${key}: listed with a description in Pulumi.yaml`);
      }
    });

    it("uses only what Pulumi's project schema allows in a config declaration", () => {
      // sdk/go/common/workspace/project.json: ConfigTypeDeclaration has additionalProperties false.
      const allowed = new Set(["type", "items", "description", "secret", "default"]);
      for (const [key, decl] of Object.entries<Record<string, unknown>>(project.config)) {
        for (const k of Object.keys(decl)) assert.ok(allowed.has(k), `${key}: ${k} is not allowed in a config declaration`);
        assert.ok(["string", "integer", "boolean", "array"].includes(decl.type as string), `${key}: type ${decl.type}`);
        if (decl.default !== undefined) {
          const t = decl.type === "integer" ? "number" : decl.type;
          assert.equal(typeof decl.default, t, `${key}: default ${JSON.stringify(decl.default)} is not a ${decl.type}`);
        }
      }
      assert.deepEqual(Object.keys(project.runtime).sort(), ["name", "options"]);
    });

    it("documents every value a profile sets", () => {
      for (const p of Object.values(PROFILES)) {
        for (const k of Object.keys(p)) {
          const key = k === "replicas" ? "drifterReplicas" : k === "ingressEnabled" ? "ingressEnabled" : k === "buildImages" ? "buildImages" : k === "pushImages" ? "pushImages" : k;
          assert.ok(project.config[key], `profile value ${k} has no config key to override it`);
        }
      }
    });

    it("has a dev stack that is a valid minikube stack", () => {
      const values = Object.fromEntries(Object.entries(devStack.config).map(([k, v]) => [k.replace(/^drift-loop:/, ""), String(v)]));
      const cfg = parseConfig(objectSource(values));
      assert.equal(cfg.profile, "minikube");
      assert.equal(cfg.images.build, true);
      assert.equal(cfg.images.push, false);
      assert.equal(cfg.serviceType, "ClusterIP");
    });
  });

  describe("profiles", () => {
    it("gives minikube local images, the standard StorageClass and no ingress", () => {
      const cfg = parseConfig(objectSource({}));
      assert.equal(cfg.profile, "minikube");
      assert.equal(cfg.storageClass, "standard");
      assert.equal(cfg.images.registry, "drift-loop");
      assert.equal(cfg.images.push, false);
      assert.equal(cfg.ingress.enabled, false);
      assert.equal(cfg.size, "small");
      assert.equal(cfg.drift.retrainPsiThreshold, 0.2);
      assert.equal(cfg.drift.retrainDriftedShare, 0.3);
      assert.equal(cfg.github.repository, "");
      assert.equal(cfg.github.branch, "main");
    });

    it("gives cloud pushed images, the default StorageClass, bigger sizes and ingress", () => {
      const cfg = parseConfig(objectSource({ profile: "cloud", imageRegistry: "ghcr.io/acme", ingressDomain: "ml.example.com", ingressTlsSecret: "wildcard-tls" }));
      assert.equal(cfg.storageClass, "");
      assert.equal(cfg.images.push, true);
      assert.equal(cfg.ingress.enabled, true);
      assert.equal(cfg.size, "medium");
      assert.equal(cfg.drifter.replicas, 2);
    });

    it("lets the stack override any profile value", () => {
      const cfg = parseConfig(
        objectSource({ profile: "cloud", imageRegistry: "registry.example.com/ml", ingressEnabled: "false", serviceType: "LoadBalancer", size: "large", storageClass: "fast-ssd", modelApiReplicas: "5", imagePullPolicy: "Always" }),
      );
      assert.equal(cfg.ingress.enabled, false);
      assert.equal(cfg.serviceType, "LoadBalancer");
      assert.equal(cfg.size, "large");
      assert.equal(cfg.storageClass, "fast-ssd");
      assert.equal(cfg.modelApi.replicas, 5);
      assert.equal(cfg.images.pullPolicy, "Always");
    });
  });

  describe("bad values", () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ["an unknown profile", { profile: "staging" }, /drift-loop:profile="staging" is not a known profile; allowed: minikube, cloud/],
      ["negative replicas", { drifterReplicas: "-1" }, /drift-loop:drifterReplicas=-1 is out of range; allowed: 1\.\.20/],
      ["non-integer replicas", { modelApiReplicas: "two" }, /drift-loop:modelApiReplicas="two" is not an integer in decimal digits; allowed: 1\.\.20/],
      ["a malformed cron schedule", { driftSchedule: "every hour" }, /drift-loop:driftSchedule="every hour" is not a valid cron schedule: expected 5 fields/],
      ["a cron minute out of range", { driftSchedule: "61 * * * *" }, /drift-loop:driftSchedule=.*minute field "61": allowed 0-59/],
      ["a zero cron step", { trafficSchedule: "*/0 * * * *" }, /drift-loop:trafficSchedule=.*minute field/],
      ["an unknown cron macro", { trafficSchedule: "@fortnightly" }, /drift-loop:trafficSchedule=.*allowed: @yearly/],
      ["the tag latest", { modelImageTag: "latest" }, /drift-loop:modelImageTag="latest" is not allowed: pin a tag/],
      ["a malformed tag", { imageTag: "v1:2" }, /drift-loop:imageTag="v1:2" is not valid; allowed: a Docker tag/],
      ["a tag starting with a dash", { modelImageTag: "-v2" }, /drift-loop:modelImageTag="-v2" is not valid; allowed: a Docker tag/],
      ["an unpinned image", { postgresImage: "postgres" }, /drift-loop:postgresImage="postgres" is not valid; allowed: an image reference with a pinned tag/],
      ["an image pinned to latest", { minioImage: "quay.io/minio/minio:latest" }, /drift-loop:minioImage=.*latest/],
      ["a probability above 1", { driftProb: "1.5" }, /drift-loop:driftProb=1\.5 is out of range; allowed: 0\.\.1/],
      ["a minimum sample size of 0 (the drift job's bound, lib/contract MIN_SAMPLE_SIZE)", { driftMinSampleSize: "0" }, /drift-loop:driftMinSampleSize=0 is out of range; allowed: 1\.\.1000000/],
      ["an unknown scenario", { driftScenario: "earthquake" }, /drift-loop:driftScenario="earthquake": scenario "earthquake" is unknown; allowed: none, mean_shift/],
      ["a scenario the table does not have", { driftSchema: "legacy", driftScenario: "category_mix" }, /drift-loop:driftScenario="category_mix": scenario category_mix needs schema=credit; with schema=legacy allowed: /],
      ["no dump kept (the backup CLI's bound, lib/settings BACKUP_SETTINGS)", { backupKeepLast: "0" }, /drift-loop:backupKeepLast=0 is out of range; allowed: 1\.\.1000/],
      ["a negative backup age", { backupMaxAgeDays: "-1" }, /drift-loop:backupMaxAgeDays=-1 is out of range; allowed: 0\.\.3650/],
      ["a backup age that is not an integer", { backupMaxAgeDays: "7.5" }, /drift-loop:backupMaxAgeDays="7\.5" is not an integer in decimal digits; allowed: 0\.\.3650/],
      ["a backup schedule that is not cron", { backupSchedule: "daily" }, /drift-loop:backupSchedule="daily" is not a valid cron schedule/],
      ["a batch above the traffic CLI's bound", { trafficBatchSize: "5000", trafficRows: "10000" }, /drift-loop:trafficBatchSize=5000 is out of range; allowed: 1\.\.1000/],
      ["MLflow accepting any host", { mlflowAllowedHosts: "mlflow.example.com, *" }, /drift-loop:mlflowAllowedHosts has "\*"; allowed: comma-separated host names/],
      ["an unknown service type", { serviceType: "Ingress" }, /drift-loop:serviceType="Ingress" is not allowed; allowed: ClusterIP, NodePort, LoadBalancer/],
      ["a non-boolean", { buildImages: "yes" }, /drift-loop:buildImages="yes" is not a boolean; allowed: true, false/],
      ["a bad storage size", { minioStorage: "5 gigs" }, /drift-loop:minioStorage="5 gigs" is not valid; allowed: a Kubernetes quantity/],
      ["cloud without a registry", { profile: "cloud", ingressDomain: "ml.example.com" }, /drift-loop:imageRegistry is required for profile cloud/],
      ["ingress without a domain", { profile: "cloud", imageRegistry: "ghcr.io/acme" }, /drift-loop:ingressDomain is required when ingress is on/],
      ["a malformed repository", { githubRepository: "not-a-repo" }, /drift-loop:githubRepository="not-a-repo" is not valid; allowed: owner\/name/],
      ["a repository without a dispatch token", { githubRepository: "acme/drift-loop" }, /drift-loop:githubDispatchToken is required when drift-loop:githubRepository is set/],
      ["a namespace that is no DNS label", { namespace: "Drift_Loop" }, /drift-loop:namespace="Drift_Loop" is not valid; allowed: a DNS label/],
      ["a batch larger than the run", { trafficRows: "50", trafficBatchSize: "100" }, /drift-loop:trafficBatchSize=100 is larger than drift-loop:trafficRows=50/],
      ["pushing to the local prefix", { pushImages: "true" }, /drift-loop:pushImages=true needs a real registry/],
      ["replicas in exponent notation", { modelApiReplicas: "2e0" }, /drift-loop:modelApiReplicas="2e0" is not an integer in decimal digits; allowed: 1\.\.20/],
      ["replicas in hex", { drifterReplicas: "0x2" }, /drift-loop:drifterReplicas="0x2" is not an integer/],
      ["a probability in hex", { driftProb: "0x1" }, /drift-loop:driftProb="0x1" is not a number in decimal notation; allowed: 0\.\.1/],
      ["an empty item in a scenario list", { driftScenario: "none,,mean_shift" }, /drift-loop:driftScenario="none,,mean_shift": item 2 of the scenario list "none,,mean_shift" is empty/],
      ["spaces in a scenario list", { driftScenario: "mean_shift, missing_spike" }, /drift-loop:driftScenario=.*item 2 .* has spaces around the name/],
      // Bring your own object store and database (docs/cloud.md).
      ["an S3 endpoint with a path", { s3Endpoint: "https://s3.amazonaws.com/bucket" }, /drift-loop:s3Endpoint="https:\/\/s3\.amazonaws\.com\/bucket" is not an S3 endpoint; allowed: an http:\/\/ or https:\/\/ URL/],
      ["an S3 endpoint that is no URL", { s3Endpoint: "s3.amazonaws.com" }, /drift-loop:s3Endpoint="s3\.amazonaws\.com" is not an S3 endpoint/],
      ["an access key without its secret", { s3Endpoint: "https://s3.amazonaws.com", s3AccessKeyId: "AKIA" }, /drift-loop:s3AccessKeyId and drift-loop:s3SecretAccessKey go together; allowed: set both/],
      ["a bucket prefix S3 refuses", { s3BucketPrefix: "Acme_ML-" }, /drift-loop:s3BucketPrefix="Acme_ML-" cannot be used: .*; allowed: lowercase letters, digits/],
      ["a bucket prefix too long for the names", { s3BucketPrefix: "a".repeat(60) }, /drift-loop:s3BucketPrefix=.* cannot be used: it is 60 characters; at most 55/],
      ["a malformed identity annotation", { s3Endpoint: "https://s3.amazonaws.com", s3ServiceAccountAnnotations: "role-arn" }, /drift-loop:s3ServiceAccountAnnotations has "role-arn"; allowed: comma-separated key=value pairs/],
      ["MinIO settings with an external store", { s3Endpoint: "https://s3.amazonaws.com", minioStorage: "50Gi", exposeMinioConsole: "true" }, /drift-loop:minioStorage, drift-loop:exposeMinioConsole are set but only read when s3Endpoint is empty \(the in-cluster MinIO\), and s3Endpoint is set .*; allowed: remove them \(pulumi config rm minioStorage; pulumi config rm exposeMinioConsole\)/],
      ["external-store settings without one", { s3Region: "eu-west-1" }, /drift-loop:s3Region is set but only read when s3Endpoint is set \(an external S3 store\)/],
      ["an external Postgres without a password", { postgresHost: "db.example.com" }, /drift-loop:postgresPassword is required when drift-loop:postgresHost is set/],
      ["an external Postgres host that is no host name", { postgresHost: "db example", postgresPassword: "x" }, /drift-loop:postgresHost="db example" is not a host name/],
      ["an unknown sslmode", { postgresHost: "db.example.com", postgresPassword: "x", postgresSslMode: "strict" }, /drift-loop:postgresSslMode="strict" is not allowed; allowed: disable, allow, prefer, require, verify-ca, verify-full/],
      ["a CA that is not PEM", { postgresHost: "db.example.com", postgresPassword: "x", postgresCaCert: "MIIB..." }, /drift-loop:postgresCaCert is not a PEM certificate/],
      ["a CA with an sslmode that does not verify", { postgresHost: "db.example.com", postgresPassword: "x", postgresSslMode: "require", postgresCaCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }, /drift-loop:postgresCaCert is set but drift-loop:postgresSslMode=require does not verify the server/],
      ["backup settings with an external Postgres", { postgresHost: "db.example.com", postgresPassword: "x", backupKeepLast: "3" }, /drift-loop:backupKeepLast is set but only read when postgresHost is empty \(the in-cluster Postgres\)/],
      ["an external Postgres port out of range", { postgresHost: "db.example.com", postgresPassword: "x", postgresPort: "70000" }, /drift-loop:postgresPort=70000 is out of range; allowed: 1\.\.65535/],
    ];
    for (const [what, values, expected] of cases) {
      it(`rejects ${what}, naming the key and the allowed values`, () => {
        assert.match(problemsOf(values), expected);
      });
    }

    it("reports every bad key at once", () => {
      const msg = problemsOf({ profile: "staging", drifterReplicas: "0", driftSchedule: "* *", modelImageTag: "latest" });
      for (const key of ["profile", "drifterReplicas", "driftSchedule", "modelImageTag"]) assert.match(msg, new RegExp(`drift-loop:${key}`));
    });

    it("rejects a key the table does not know, naming it and the close matches", () => {
      const msg = problemsOf({ drifterReplica: "2", DriftRows: "500", retrainCooldown: "60" });
      assert.match(msg, /drift-loop:drifterReplica is not a key drift-loop reads; did you mean drift-loop:drifterReplicas\?/);
      assert.match(msg, /drift-loop:DriftRows is not a key drift-loop reads; did you mean drift-loop:driftRows, /);
      assert.match(msg, /drift-loop:retrainCooldown is not a key drift-loop reads; did you mean drift-loop:retrainCooldownMinutes\?/);
      assert.match(problemsOf({ frobnicate: "1" }), /drift-loop:frobnicate is not a key drift-loop reads; no known key is close to it/);
    });

    it("finds close matches by edits ignoring case, and by containment, best first", () => {
      assert.deepEqual(closeMatches("imagetag"), ["imageTag", "modelImageTag"]);
      assert.deepEqual(closeMatches("exposeModelAPI"), ["exposeModelApi"]);
      assert.deepEqual(closeMatches("ingress"), ["ingressDomain", "ingressEnabled", "ingressClassName"]);
      assert.deepEqual(closeMatches("zzzzzzzz"), []);
      for (const k of Object.keys(CONFIG_KEYS)) assert.equal(closeMatches(k)[0], k, `${k} is its own best match`);
    });

    it("knows every key of the table, and only those", () => {
      assert.deepEqual(unknownKeyProblems(Object.keys(CONFIG_KEYS)), []);
      assert.equal(unknownKeyProblems(["profile", "Profile", "toString"]).length, 2, "case matters, and Object's own names are not keys");
    });

    it("accepts the cron forms Kubernetes accepts", () => {
      for (const s of ["0 * * * *", "*/5 * * * *", "@hourly", "30 3 * JAN,FEB MON-FRI", "0 0-23/2 1,15 * 0", "0 12 * * 7"]) assert.equal(cronProblem(s), undefined, s);
    });
  });

  describe("the real program (infra/index.ts)", () => {
    const programFiles = (f: string) => ["infra", "components", "stacks"].some((d) => f.startsWith(path.join(REPO_ROOT, d) + path.sep));
    function loadProgram(config: Record<string, string>, secretKeys: string[] = []): Record<string, any> {
      pulumi.runtime.setAllConfig(config, secretKeys);
      for (const f of Object.keys(require.cache)) if (programFiles(f)) delete require.cache[f];
      return require("../../infra");
    }
    afterEach(() => pulumi.runtime.setAllConfig({}));

    it("fails before declaring anything when the stack config is bad, naming the keys", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", true);
      assert.throws(
        () => loadProgram({ "drift-loop:profile": "staging", "drift-loop:drifterReplicas": "-3" }),
        (err: Error) =>
          err instanceof pulumi.RunError && /drift-loop:profile="staging".*allowed: minikube, cloud/.test(err.message) && /drift-loop:drifterReplicas=-3 is out of range; allowed: 1\.\.20/.test(err.message),
      );
      await settle();
      assert.equal(mocks.resources.length, 0);
    });

    it("fails before declaring anything on a key the table does not know, naming it and the close matches", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", true);
      assert.throws(
        () => loadProgram({ "drift-loop:profile": "minikube", "drift-loop:foo": "1", "drift-loop:drifterReplica": "2", "kubernetes:context": "minikube" }),
        (err: Error) =>
          err instanceof pulumi.RunError &&
          /drift-loop:foo is not a key drift-loop reads; no known key is close to it/.test(err.message) &&
          /drift-loop:drifterReplica is not a key drift-loop reads; did you mean drift-loop:drifterReplicas\?/.test(err.message) &&
          !/kubernetes:context/.test(err.message),
      );
      await settle();
      assert.equal(mocks.resources.length, 0);
    });

    it("refuses a secret key stored as plain text", async () => {
      await pulumi.runtime.setMocks(new RecordingMocks(), "drift-loop", "dev", true);
      assert.throws(
        () => loadProgram({ "drift-loop:githubRepository": "acme/drift-loop", "drift-loop:githubDispatchToken": "ghp_plain" }),
        /drift-loop:githubDispatchToken is set as plain text; allowed: a secret value only/,
      );
    });

    it("declares the platform and exports its outputs from a good stack config", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", false);
      const program = loadProgram(
        {
          "drift-loop:profile": "minikube",
          "drift-loop:buildImages": "false",
          "drift-loop:githubRepository": "acme/drift-loop",
          "drift-loop:githubDispatchToken": "ghp_secretvalue",
          "drift-loop:pipelineBackendUrl": "file:///var/lib/pulumi-state",
          "drift-loop:modelImageTag": "model-7",
        },
        ["drift-loop:githubDispatchToken"],
      );
      const out = (o: any) => new Promise<any>((r) => pulumi.output(o).apply(r));
      assert.equal(await out(program.namespace), "drift-loop");
      assert.equal(await out(program.modelImage), "drift-loop/model-api:model-7");
      assert.equal(await out(program.modelImageTag), "model-7");
      assert.equal((await out(program.images)).drifter, "drift-loop/drifter:0.1.0");
      assert.equal(await pulumi.isSecret(program.postgresPassword), true);
      assert.match(program.githubDispatch, /acme\/drift-loop/);
      await settle();
      assert.equal(mocks.resources.filter((r) => r.type === "docker:index/image:Image").length, 0, "no builds when buildImages=false");
      assert.ok(mocks.resources.length > 40);
    });
  });
});
