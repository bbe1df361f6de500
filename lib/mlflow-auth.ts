/**
 * MLflow's users: the server runs MLflow's own basic-auth app (`--app-name basic-auth`,
 * auth tables in the same Postgres database, `default_permission = NO_PERMISSIONS`), and
 * this sets up, as the admin, one user per workload with only what it does:
 *
 *   trainer    EDIT on the training experiment (runs, metrics, the model artifact) and on
 *              the registered model (new versions, the `champion` alias)
 *   drift-job  EDIT on the drift-monitoring experiment
 *
 * Idempotent: users are created or get their password set, the experiments and the model
 * are created when missing, permissions are granted again. Earlier admin users (the admin's
 * name changes when its password is rotated, see components/mlflow) are deleted.
 */
import { ENV, MLFLOW } from "./contract";
import { MlflowClient, MlflowError, type MlflowCredentials } from "./mlflow";
import type { Logger } from "./logger";

export type MlflowWorkloadUser = "trainer" | "drift-job";

/** MLflow's permission names (mlflow/server/auth/permissions.py). */
export type MlflowPermission = "READ" | "USE" | "EDIT" | "MANAGE" | "NO_PERMISSIONS";

export interface Grants {
  experiments: Record<string, MlflowPermission>;
  registeredModels: Record<string, MlflowPermission>;
}

/** What each workload user may do, by experiment and registered model name. */
export function workloadGrants(names: { trainingExperiment: string; driftExperiment: string; registeredModel: string } = MLFLOW): Record<MlflowWorkloadUser, Grants> {
  return {
    trainer: { experiments: { [names.trainingExperiment]: "EDIT" }, registeredModels: { [names.registeredModel]: "EDIT" } },
    "drift-job": { experiments: { [names.driftExperiment]: "EDIT" }, registeredModels: {} },
  };
}

export const MLFLOW_WORKLOAD_USERS: readonly MlflowWorkloadUser[] = ["trainer", "drift-job"];

/** The admin's user name: `admin-<id>`, the id a random string replaced with the password. */
export const ADMIN_NAME = /^admin-[a-z0-9]{8}$/;

/** The Job's variables: the admin (MLflow's own bootstrap names) and each workload user's password. */
export const AUTH_SETUP_ENV = {
  adminUsername: "MLFLOW_AUTH_ADMIN_USERNAME",
  adminPassword: "MLFLOW_AUTH_ADMIN_PASSWORD",
  userPassword: (u: MlflowWorkloadUser) => `MLFLOW_USER_${u.toUpperCase().replace(/-/g, "_")}_PASSWORD`,
  trackingUri: ENV.mlflowTrackingUri,
} as const;

/** The auth app's REST calls (mlflow/server/auth/routes.py), as the admin. */
class AuthApi {
  private readonly header: string;
  constructor(private readonly baseUrl: string, admin: MlflowCredentials) {
    this.header = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`;
  }

  async call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, params: Record<string, string>): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/${path}`);
    const body = method === "GET" ? undefined : JSON.stringify(params);
    if (method === "GET") for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { method, headers: { authorization: this.header, ...(body ? { "content-type": "application/json" } : {}) }, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error_code?: string }).error_code;
      } catch {
        /* not JSON */
      }
      throw new MlflowError(`MLflow ${method} ${path} failed with ${res.status}: ${text.slice(0, 300)}`, res.status, code);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/** Creates or updates the workload users, their experiments and model, and their permissions. */
export async function setupMlflowUsers(o: {
  trackingUri: string;
  admin: MlflowCredentials;
  passwords: Partial<Record<MlflowWorkloadUser, string>>;
  grants?: Record<MlflowWorkloadUser, Grants>;
  log?: Logger;
}): Promise<void> {
  const api = new AuthApi(o.trackingUri.replace(/\/+$/, ""), o.admin);
  const mlflow = new MlflowClient(o.trackingUri, o.log, 4, o.admin);
  const grants = o.grants ?? workloadGrants();
  for (const [user, password] of Object.entries(o.passwords) as [MlflowWorkloadUser, string][]) {
    const exists = await api.call("GET", "2.0/mlflow/users/get", { username: user }).then(
      () => true,
      (err: unknown) => {
        if (err instanceof MlflowError && err.errorCode === "RESOURCE_DOES_NOT_EXIST") return false;
        throw err;
      },
    );
    if (exists) await api.call("PATCH", "2.0/mlflow/users/update-password", { username: user, password });
    else await api.call("POST", "2.0/mlflow/users/create", { username: user, password });
    const g = grants[user];
    // A grant that exists is revoked and made again, so a changed permission level applies.
    const grant = async (resourceType: string, resourceId: string, permission: MlflowPermission) => {
      const params = { username: user, resource_type: resourceType, resource_id: resourceId, permission };
      try {
        await api.call("POST", "3.0/mlflow/users/permissions/grant", params);
      } catch (err) {
        if (!(err instanceof MlflowError) || err.errorCode !== "RESOURCE_ALREADY_EXISTS") throw err;
        await api.call("POST", "3.0/mlflow/users/permissions/revoke", { username: user, resource_type: resourceType, resource_id: resourceId });
        await api.call("POST", "3.0/mlflow/users/permissions/grant", params);
      }
    };
    for (const [name, permission] of Object.entries(g.experiments)) await grant("experiment", await mlflow.getOrCreateExperiment(name), permission);
    for (const [name, permission] of Object.entries(g.registeredModels)) {
      await mlflow.ensureRegisteredModel(name);
      await grant("registered_model", name, permission);
    }
    o.log?.info({ user, experiments: g.experiments, registeredModels: g.registeredModels }, "MLflow user in place");
  }
  // Admins of earlier rotations: their password is gone from the Secret, so nobody should log in as them.
  const listed = await api.call<{ users?: { username: string }[] }>("GET", "2.0/mlflow/users/list", {});
  for (const u of listed.users ?? []) {
    if (ADMIN_NAME.test(u.username) && u.username !== o.admin.username) {
      await api.call("DELETE", "2.0/mlflow/users/delete", { username: u.username });
      o.log?.info({ user: u.username }, "deleted an earlier admin user");
    }
  }
}

/**
 * The auth app's configuration file (MLFLOW_AUTH_CONFIG_PATH): users start with no
 * permissions (each is granted its own above), the auth tables live in the given database
 * (their own Alembic version table, next to the tracking tables). The admin's name and
 * password come from MLFLOW_AUTH_ADMIN_USERNAME / _PASSWORD, never from this file; the
 * database password from libpq's PGPASSWORD, never from the URI.
 */
export function basicAuthIni(databaseUri: string): string {
  if (/:[^/@]*@/.test(databaseUri.replace(/^[a-z0-9+]+:\/\//, ""))) throw new Error("the auth database URI must not hold a password (libpq reads PGPASSWORD)");
  return [
    "[mlflow]",
    "default_permission = NO_PERMISSIONS",
    `database_uri = ${databaseUri}`,
    "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
    "grant_default_workspace_access = false",
    "",
  ].join("\n");
}
