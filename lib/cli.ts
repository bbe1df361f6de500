/**
 * What every entry point (servers, Jobs, CLIs) shares: the exit codes, the one UsageError,
 * strict flag parsing, and runMain, the one way to report an error and exit.
 *
 *   runMain("train", main, { help: true });
 *
 * A usage error (a bad flag, environment value or input: UsageError and its subclasses,
 * such as lib/env's ConfigError) prints `<prog>: <message>` (and, for a program with
 * --help, `Run with --help for the options.`) and exits EXIT.usage (2). Any other error
 * prints `<prog>: failed: [<code>: ]<message>` (the stack too with DEBUG set) and exits
 * EXIT.failed (1). Programs with more outcomes (the drift job and the drift CLI) return
 * their own codes above 2 from main.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDecimalInteger, parseDecimalNumber } from "./numbers";

/** The exit codes every entry point shares. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Failed: a service stayed unreachable, a check failed, or a bug. */
  failed: 1,
  /** Bad usage: a flag, environment value or input the caller has to fix. */
  usage: 2,
} as const;

/** A mistake of the caller (flag, environment value, input); the message names it and what is allowed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The lines a usage error prints: `<prog>: <message>`, and where the options are when the program has --help. */
export function usageErrorText(prog: string, message: string, help: boolean): string {
  return `${prog}: ${message}\n${help ? "Run with --help for the options.\n" : ""}`;
}

/** The lines any other error prints: `<prog>: failed: [<code>: ]<message>`, the stack with DEBUG set. */
export function failureText(prog: string, err: unknown): string {
  const e = err as Error & { code?: unknown };
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  const stack = process.env.DEBUG && e?.stack ? `${e.stack}\n` : "";
  return `${prog}: failed: ${code}${e?.message ?? String(err)}\n${stack}`;
}

/**
 * Runs an entry point's main, then exits: with main's code (default EXIT.ok); after a usage
 * error with EXIT.usage; after any other error with EXIT.failed. A server's main resolves
 * when it has shut down.
 */
export function runMain(prog: string, main: () => Promise<number | void> | number | void, opts: { help?: boolean } = {}): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code ?? EXIT.ok),
      (err: unknown) => {
        const usage = err instanceof UsageError;
        process.stderr.write(usage ? usageErrorText(prog, (err as Error).message, opts.help === true) : failureText(prog, err));
        process.exit(usage ? EXIT.usage : EXIT.failed);
      },
    );
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
