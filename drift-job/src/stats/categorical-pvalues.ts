/** p-value tests on categorical counts: `chisquare` and `z` (Evidently's legacy stattests). */
import { chi2Sf, normalSf } from "./special.js";

/**
 * `chisquare`: scipy.stats.chisquare(f_obs = current counts, f_exp = reference counts *
 * n_cur / n_ref), K - 1 degrees of freedom. A category missing from the reference but
 * present in the current data gives an infinite statistic and p = 0, as in scipy.
 * With a single category (K = 1) there is nothing to compare: p = 1 (scipy: NaN).
 */
export function chiSquareFromCounts(reference: Float64Array, current: Float64Array): { statistic: number; pvalue: number } {
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < reference.length; i++) {
    nRef += reference[i];
    nCur += current[i];
  }
  const kNorm = nCur / nRef;
  let stat = 0;
  for (let i = 0; i < reference.length; i++) {
    const exp = reference[i] * kNorm;
    const d = current[i] - exp;
    stat += (d * d) / exp;
  }
  const df = reference.length - 1;
  if (df < 1) return { statistic: 0, pvalue: 1 };
  return { statistic: stat, pvalue: chi2Sf(stat, df) };
}

/**
 * `z`: pooled two-proportion z-test, two-sided. `refZero`/`curZero` count values equal
 * to the smallest key (coded 0), the rest is coded 1. Both sides constant and equal
 * gives p = 1. Computed as Evidently does, 2 (1 - Phi(|z|)) with Phi = 1 - sf: the same
 * rounding near 1, so p is 0 beyond |z| ~ 8.3 exactly where Evidently's is (a p-value
 * computed more accurately there could fall on the other side of a threshold of 0).
 */
export function zTestFromCounts(
  refZero: number,
  nRef: number,
  curZero: number,
  nCur: number,
  bothConstantAndEqual: boolean,
): { statistic: number; pvalue: number } {
  if (bothConstantAndEqual) return { statistic: 0, pvalue: 1 };
  const p1 = (nRef - refZero) / nRef;
  const p2 = (nCur - curZero) / nCur;
  const P = (p1 * nRef + p2 * nCur) / (nRef + nCur);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / nRef + 1.0 / nCur));
  if (Number.isNaN(z)) return { statistic: z, pvalue: NaN };
  const cdf = 1 - normalSf(Math.abs(z));
  return { statistic: z, pvalue: 2 * (1 - cdf) };
}
