/**
 * Drift statistics (pure functions): the entry `computeDrift` and the individual
 * methods, numerically equal to Evidently's legacy stattests and scipy.
 * See docs/drift-methods.md.
 */
export { computeDrift, columnDrift, binColumn, scoreColumn, reportHistogram, DEFAULT_DRIFT_SHARE, DEFAULT_MIN_SAMPLE_SIZE, MAX_REPORT_BINS, MAX_LABEL_LENGTH, clipLabel } from "./compute.js";
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
export { sortFloat64, radixSortFloat64 } from "./sort.js";
export { psiFromShares, klDivFromShares, jensenShannonFromShares, hellingerFromShares, wassersteinSorted, wassersteinNormSorted, populationStd } from "./distances.js";
export { chiSquareFromCounts, zTestFromCounts } from "./categorical-pvalues.js";
