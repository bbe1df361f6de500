/**
 * Drift statistics (pure functions): the entry `computeDrift` and the individual
 * methods, numerically equal to Evidently's legacy stattests and scipy.
 * See shared/docs/drift-methods.md.
 */
export { computeDrift, columnDrift, binColumn, scoreColumn, reportHistogram, DEFAULT_DRIFT_SHARE, MAX_REPORT_BINS } from "./compute.js";
export { prepareColumn, ColumnError, type PreparedColumn, type NumericSides, type CategoricalSides } from "./prepare.js";
export { METHODS, defaultStatTest, validateOptions } from "./select.js";
export {
  psi,
  klDiv,
  jensenShannon,
  wasserstein,
  hellinger,
  chiSquareTest,
  zTest,
  statTest,
} from "./methods.js";
export { ksTest, ksTestSorted, ksStatisticSorted, ksExactPValue, ksAsymptoticPValue, probOutsideSquare, outerProbInsideMethod, sortedFinite, type KsResult } from "./ks.js";
export { kstwoSf, smirnovSf, kolmogorovSf } from "./kolmogorov.js";
export { chi2Sf, normalSf, normalCdf, gammaP, gammaQ, erfc, lgamma } from "./special.js";
export { sturgesEdges, histogramSorted, fillZeros, MAX_VALUE_BINS } from "./binning.js";
export { sortFloat64 } from "./sort.js";
export { psiFromShares, klDivFromShares, jensenShannonFromShares, hellingerFromShares, wassersteinSorted, wassersteinNormSorted, populationStd } from "./distances.js";
export { chiSquareFromCounts, zTestFromCounts } from "./tests.js";
