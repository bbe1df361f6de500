/** Retention and dump names of the Postgres backup (lib/pg-backup.ts), on plain values. */
import { strict as assert } from "node:assert";
import { dumpKey, dumpTime, expiredDumps, pgDumpCommand, pgRestoreCommand, type Dump } from "../../lib/pg-backup";

const DAY = 24 * 60 * 60 * 1000;
const now = new Date("2026-12-07T02:30:00.000Z");
const dump = (daysAgo: number): Dump => {
  const at = new Date(now.getTime() - daysAgo * DAY);
  return { key: dumpKey("mlflow", at), at, size: 100 };
};

describe("Postgres backup retention and names (lib/pg-backup.ts)", () => {
  it("names dumps by database and UTC time, in an order that sorts by time, and reads the time back", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    assert.equal(dumpKey("mlflow", at), "postgres/mlflow/20260102T030405.678Z.dump");
    assert.equal(dumpTime("mlflow", dumpKey("mlflow", at))?.toISOString(), at.toISOString());
    assert.ok(dumpKey("mlflow", new Date("2026-01-02T10:00:00Z")) > dumpKey("mlflow", new Date("2026-01-02T09:59:59.999Z")));
    for (const foreign of ["postgres/mlflow/notes.txt", "postgres/other/20260102T030405.678Z.dump", "postgres/mlflow/20261399T000000.000Z.dump", "postgres/mlflow/20260102T030405.678Z.sql"]) {
      assert.equal(dumpTime("mlflow", foreign), undefined, foreign);
    }
  });

  it("deletes only dumps that are neither among the newest N nor younger than D days", () => {
    const dumps = [0, 1, 2, 5, 10, 40, 41].map(dump);
    const expired = (keepLast: number, maxAgeDays: number) => expiredDumps(dumps, { keepLast, maxAgeDays }, now).map((d) => Math.round((now.getTime() - d.at.getTime()) / DAY)).sort((a, b) => a - b);
    assert.deepEqual(expired(3, 7), [10, 40, 41]);
    assert.deepEqual(expired(3, 0), [5, 10, 40, 41]);
    assert.deepEqual(expired(6, 0), [41], "the newest N are kept whatever their age");
    assert.deepEqual(expired(1, 3650), [], "nothing is old enough");
    assert.deepEqual(expired(1000, 0), []);
    // A dump exactly D days old is expired; one a millisecond younger is kept.
    const edge = [dump(0), dump(7), { ...dump(7), at: new Date(now.getTime() - 7 * DAY + 1), key: "k" }];
    assert.deepEqual(expiredDumps(edge, { keepLast: 1, maxAgeDays: 7 }, now).map((d) => d.key), [dump(7).key]);
    assert.throws(() => expiredDumps(dumps, { keepLast: 0, maxAgeDays: 0 }, now), /keepLast=0: at least 1 dump is always kept/);
  });

  it("dumps and restores with libpq's environment, never a password on the command line", () => {
    const dump = pgDumpCommand("/backup/x.dump");
    assert.deepEqual([dump[0], dump[1], dump[3], dump[4]], ["sh", "-c", "pg-dump", "/backup/x.dump"], "the file is an argument, never spliced into the script");
    assert.match(dump[2], /until pg_isready --quiet --timeout=2; do/);
    assert.match(dump[2], /exec pg_dump --format=custom --no-owner --no-privileges --file="\$1"$/);
    assert.doesNotMatch(dump[2], /PGPASSWORD|password/i);
    const restore = pgRestoreCommand("/tmp/x.dump", "mlflow");
    assert.equal(restore[0], "pg_restore");
    assert.ok(restore.includes("--single-transaction") && restore.includes("--clean") && restore.includes("--exit-on-error"));
    assert.ok(!restore.join(" ").match(/password|postgresql:\/\//i));
  });
});
