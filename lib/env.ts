/**
 * Validated reading of environment variables. Every reader names the variable and the
 * allowed values in its error, so a bad Deployment env fails at start-up, clearly.
 * Numbers are read in plain decimal only (lib/numbers.ts).
 */
import { UsageError } from "./cli";
import { parseDecimalInteger, parseDecimalNumber } from "./numbers";

/** A bad environment value: a usage error (exit 2 through lib/cli.ts runMain), named for where it came from. */
export class ConfigError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

export function stringEnv(env: Env, name: string, fallback?: string): string {
  const v = raw(env, name) ?? fallback;
  if (v === undefined) throw new ConfigError(`${name} is required and not set`);
  return v;
}

export function optionalStringEnv(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function intEnv(env: Env, name: string, opts: { min: number; max: number; fallback?: number }): number {
  const v = raw(env, name);
  if (v === undefined) {
    if (opts.fallback === undefined) throw new ConfigError(`${name} is required: an integer from ${opts.min} to ${opts.max}`);
    return opts.fallback;
  }
  const n = parseDecimalInteger(v);
  if (n === undefined) throw new ConfigError(`${name}=${JSON.stringify(v)} is not an integer in decimal digits; allowed: ${opts.min}..${opts.max}`);
  if (n < opts.min || n > opts.max) throw new ConfigError(`${name}=${n} is out of range; allowed: ${opts.min}..${opts.max}`);
  return n;
}

export function floatEnv(env: Env, name: string, opts: { min: number; max: number; fallback?: number }): number {
  const v = raw(env, name);
  if (v === undefined) {
    if (opts.fallback === undefined) throw new ConfigError(`${name} is required: a number from ${opts.min} to ${opts.max}`);
    return opts.fallback;
  }
  const n = parseDecimalNumber(v);
  if (n === undefined) throw new ConfigError(`${name}=${JSON.stringify(v)} is not a number in decimal notation; allowed: ${opts.min}..${opts.max}`);
  if (n < opts.min || n > opts.max) throw new ConfigError(`${name}=${n} is out of range; allowed: ${opts.min}..${opts.max}`);
  return n;
}

export function boolEnv(env: Env, name: string, fallback: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const s = v.toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off"].includes(s)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(v)} is not a boolean; allowed: true, false, 1, 0, yes, no`);
}

export function enumEnv<T extends string>(env: Env, name: string, allowed: readonly T[], fallback?: T): T {
  const v = raw(env, name) ?? fallback;
  if (v === undefined) throw new ConfigError(`${name} is required; allowed: ${allowed.join(", ")}`);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${name}=${JSON.stringify(v)} is not allowed; allowed: ${allowed.join(", ")}`);
  }
  return v as T;
}

export function urlEnv(env: Env, name: string, fallback?: string): string {
  const v = stringEnv(env, name, fallback);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(v)} is not a URL; expected e.g. http://host:port`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ConfigError(`${name}=${JSON.stringify(v)} must be an http:// or https:// URL`);
  }
  return v.replace(/\/+$/, "");
}
