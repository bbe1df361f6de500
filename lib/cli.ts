/** Command-line parsing shared by the trainer, the retrain command and the traffic job. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDecimalInteger, parseDecimalNumber } from "./numbers";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Strict parsing: unknown flags and stray arguments are errors that name the flag. */
export function parseFlags<T extends Options>(argv: string[], options: T): Record<keyof T, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; see --help`);
    return values as unknown as Record<keyof T, string | boolean | undefined>;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, "")}; see --help`);
  }
}

export function intFlag(name: string, v: string | boolean | undefined, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" ? parseDecimalInteger(v) : undefined;
  if (n === undefined) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(v)} (decimal digits only)`);
  if (n < min || n > max) throw new UsageError(`--${name}=${n} is out of range; allowed: ${min}..${max}`);
  return n;
}

export function floatFlag(name: string, v: string | boolean | undefined, min: number, max: number, fallback: number, opts: { exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" ? parseDecimalNumber(v) : undefined;
  const lo = n !== undefined && (opts.exclusiveMin ? n > min : n >= min);
  const hi = n !== undefined && (opts.exclusiveMax ? n < max : n <= max);
  if (n === undefined || !lo || !hi) {
    throw new UsageError(`--${name} must be a number in ${opts.exclusiveMin ? "(" : "["}${min}, ${max}${opts.exclusiveMax ? ")" : "]"}; got ${JSON.stringify(v)} (decimal notation only)`);
  }
  return n;
}

export function enumFlag<T extends string>(name: string, v: string | boolean | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name}=${JSON.stringify(v)} is not allowed; allowed: ${allowed.join(", ")}`);
  return v as T;
}

/** Runs a CLI main: usage and config errors print one clear line and exit 2, other failures exit 1. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      const e = err as Error;
      const usage = e?.name === "UsageError" || e?.name === "ConfigError" || e?.name === "DatasetError";
      process.stderr.write(`error: ${e?.message ?? String(err)}\n`);
      if (!usage && process.env.DEBUG) process.stderr.write(`${e?.stack}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}
