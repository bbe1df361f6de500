import type { S3Settings } from "../../lib/s3";

export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgresql://user:password@host:port/database */
  url: string;
}

/** What tests and local runs need to reach the three servers. */
export interface Services {
  s3: S3Settings;
  /** MLflow tracking server, e.g. http://127.0.0.1:41234 (no trailing slash). */
  mlflowUrl: string;
  /** MLflow's backend store (its database and user). */
  postgres: PostgresSettings;
}
