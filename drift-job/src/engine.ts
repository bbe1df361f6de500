/** The drift statistics used by the CLI and the job (pure functions, in stats/). */
export { computeDrift } from "./stats";
