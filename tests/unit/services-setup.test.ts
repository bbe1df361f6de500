import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotInstalledError, REPO_ROOT, VERSIONS_FILE, locateBinaries } from "../../scripts/services/config";
import { parseVersionsEnv } from "../../lib/versions-env";
import { readServerVersions } from "../../components/images/versions";
import { parseArgs } from "../../scripts/services-cli";

describe("pinned server versions (scripts/versions.env)", () => {
  const v = parseVersionsEnv(readFileSync(VERSIONS_FILE, "utf8"));

  it("pins every server and client package the set-up and the images install", () => {
    for (const k of ["MINIO_MODULE", "MINIO_RELEASE", "MINIO_COMMIT", "MINIO_COMMIT_TIME", "MINIO_MODULE_VERSION", "MINIO_ZIP_H1", "MLFLOW_VERSION", "PSYCOPG2_VERSION", "BOTO3_VERSION", "POSTGRES_MAJOR"]) {
      assert.ok(v[k], `${k} is set`);
    }
    assert.match(v.MLFLOW_VERSION, /^\d+\.\d+\.\d+$/);
    assert.match(v.MINIO_ZIP_H1, /^h1:[A-Za-z0-9+/]{43}=$/);
  });

  it("names the same MinIO commit in the Go pseudo-version, the commit and the release tag", () => {
    const stamp = v.MINIO_COMMIT_TIME.replace(/[-:TZ]/g, "");
    assert.equal(v.MINIO_MODULE_VERSION, `v0.0.0-${stamp}-${v.MINIO_COMMIT}`);
    assert.equal(v.MINIO_RELEASE, `RELEASE.${v.MINIO_COMMIT_TIME.replace(/:/g, "-")}`);
  });

  it("keeps the top-level pins out of the MLflow constraints, and holds everything else", () => {
    const lines = readFileSync(join(REPO_ROOT, "scripts", "mlflow-constraints.txt"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    assert.ok(lines.length > 20);
    for (const l of lines) assert.match(l, /^[A-Za-z0-9_.-]+==[^=\s]+$/, `exact pin: ${l}`);
    const names = lines.map((l) => l.split("==")[0].toLowerCase());
    for (const top of ["mlflow", "psycopg2-binary", "boto3"]) assert.ok(!names.includes(top), `${top} is pinned in versions.env only`);
    assert.ok(lines.includes(`mlflow-skinny==${v.MLFLOW_VERSION}`), "mlflow-skinny matches MLFLOW_VERSION");
  });

  it("rejects lines that bash and TypeScript would read differently", () => {
    assert.throws(() => parseVersionsEnv("A=1\nB = 2\n", "f.env"), /f\.env:2: expected KEY=value/);
    assert.throws(() => parseVersionsEnv('A="1"'), /expected KEY=value/);
    assert.throws(() => parseVersionsEnv("A=$HOME"), /expected KEY=value/);
    assert.deepEqual(parseVersionsEnv("# c\n\nA=1\nB_2=x.y\n"), { A: "1", B_2: "x.y" });
  });

  it("gives the image builds the same pins, and no built-in copy of them: a missing file or pin is an error naming it", () => {
    const images = readServerVersions(REPO_ROOT);
    assert.deepEqual(images, {
      minioModule: v.MINIO_MODULE,
      minioModuleVersion: v.MINIO_MODULE_VERSION,
      minioCommitTime: v.MINIO_COMMIT_TIME,
      minioZipH1: v.MINIO_ZIP_H1,
      minioRelease: v.MINIO_RELEASE,
      mlflow: v.MLFLOW_VERSION,
      psycopg2: v.PSYCOPG2_VERSION,
      boto3: v.BOTO3_VERSION,
    });
    const root = mkdtempSync(join(tmpdir(), "drift-loop-pins-"));
    assert.throws(() => readServerVersions(root), /scripts\/versions\.env/);
    mkdirSync(join(root, "scripts"));
    writeFileSync(join(root, "scripts", "versions.env"), readFileSync(VERSIONS_FILE, "utf8").replace(/^MLFLOW_VERSION=.*$/m, ""));
    assert.throws(() => readServerVersions(root), /versions\.env does not pin MLFLOW_VERSION/);
  });

  it("tells the user to run 'npm run setup' when the servers are not installed", () => {
    assert.throws(
      () => locateBinaries({ ...process.env, DRIFT_LOOP_CACHE: "/nonexistent/drift-loop-cache" }),
      (e: Error) => e instanceof NotInstalledError && /MinIO RELEASE\.2025-10-15T17-29-55Z is not installed .*npm run setup/.test(e.message),
    );
  });
});

describe("set-up and services commands", () => {
  it("lists the set-up steps in the order they run", () => {
    const out = execFileSync("bash", [join(REPO_ROOT, "scripts", "setup.sh"), "--list"], { encoding: "utf8" }).trim().split("\n");
    assert.deepEqual(out.slice(0, 3), ["10-postgres.sh", "20-minio.sh", "30-mlflow.sh"]);
    assert.deepEqual([...out].sort(), out);
  });

  it("names the known steps when asked for one that does not exist", () => {
    const r = spawnSync("bash", [join(REPO_ROOT, "scripts", "setup.sh"), "no-such-step"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no set-up step matches 'no-such-step' \(steps: .*10-postgres\.sh/);
    const bad = spawnSync("bash", [join(REPO_ROOT, "scripts", "setup.sh"), "--fast"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option '--fast' \(allowed: --list, --help\)/);
  });

  it("parses the services command line and names what is allowed", () => {
    assert.deepEqual(parseArgs(["start"]), { command: "start", json: false });
    assert.deepEqual(parseArgs(["env", "--json"]), { command: "env", json: true });
    assert.deepEqual(parseArgs([]), { command: "help", json: false });
    assert.deepEqual(parseArgs(["stop", "--help"]), { command: "help", json: false });
    assert.throws(() => parseArgs(["restart"]), /unknown command 'restart' \(allowed: start, env, stop, help\)/);
    assert.throws(() => parseArgs(["start", "--detach"]), /unknown option '--detach' \(allowed: --json, --help\)/);
    assert.throws(() => parseArgs(["start", "stop"]), /one command at a time/);
  });
});
