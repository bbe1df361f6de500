/**
 * Special functions for p-values: log-gamma, regularized incomplete gamma (chi-square
 * survival), normal survival. Written for relative accuracy far below 1e-6 also in the
 * tails (tiny p-values), following the classic Cephes series / continued fraction.
 */

const EPS = 2.220446049250313e-16;
const BIG = 4503599627370496.0;
const BIG_INV = 2.22044604925031308085e-16;

const HALF_LOG_2PI = 0.91893853320467274178;

/** Stirling series for ln Gamma(x), x >= 10 (error < 1e-16 relative to the result). */
function lgammaStirling(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  const series =
    r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 * (1 / 156)))))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
}

/** ln |Gamma(x)| for x > 0. */
export function lgamma(x: number): number {
  if (!(x > 0)) {
    if (x === 0) return Infinity;
    return NaN;
  }
  if (x >= 10) return lgammaStirling(x);
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum accurate near 0.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  // Shift up to the Stirling range: Gamma(x) = Gamma(x+k) / (x (x+1) ... (x+k-1)).
  let prod = 1;
  let y = x;
  while (y < 10) {
    prod *= y;
    y += 1;
  }
  return lgammaStirling(y) - Math.log(prod);
}

/** x^a e^-x / Gamma(a), in log space. */
function logGammaPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - lgamma(a);
}

/** Regularized lower incomplete gamma P(a, x) by its power series (x < a + 1 or x < 1). */
function igamSeries(a: number, x: number): number {
  const logFac = logGammaPrefactor(a, x);
  if (logFac < -745) return 0;
  let r = a;
  let c = 1;
  let ans = 1;
  for (let i = 0; i < 100000; i++) {
    r += 1;
    c *= x / r;
    ans += c;
    if (c <= ans * EPS) break;
  }
  return (ans * Math.exp(logFac)) / a;
}

/** Regularized upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1). */
function igamcFraction(a: number, x: number): number {
  const logFac = logGammaPrefactor(a, x);
  if (logFac < -745 - 50) return 0;
  let y = 1 - a;
  let z = x + y + 1;
  let c = 0;
  let pkm2 = 1;
  let qkm2 = x;
  let pkm1 = x + 1;
  let qkm1 = z * x;
  let ans = pkm1 / qkm1;
  for (let i = 0; i < 100000; i++) {
    c += 1;
    y += 1;
    z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc;
    const qk = qkm1 * z - qkm2 * yc;
    let t = 1;
    if (qk !== 0) {
      const r = pk / qk;
      t = Math.abs((ans - r) / r);
      ans = r;
    }
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    if (Math.abs(pk) > BIG) {
      pkm2 *= BIG_INV;
      pkm1 *= BIG_INV;
      qkm2 *= BIG_INV;
      qkm1 *= BIG_INV;
    }
    if (t <= EPS) break;
  }
  // exp(logFac) may underflow while ans * exp(logFac) does not.
  return Math.exp(logFac + Math.log(ans));
}

/** Regularized lower incomplete gamma function P(a, x). */
export function gammaP(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  if (x > 1 && x > a) return 1 - igamcFraction(a, x);
  return igamSeries(a, x);
}

/** Regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x). */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  if (x < 1 || x < a) return 1 - igamSeries(a, x);
  return igamcFraction(a, x);
}

/** Survival function of the chi-square distribution with `df` degrees of freedom. */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

/** Complementary error function, accurate in relative terms for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return gammaQ(0.5, x * x);
}

/** Survival function of the standard normal distribution, 1 - Phi(z). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 1 - normalSf(-z);
  return 0.5 * gammaQ(0.5, (z * z) / 2);
}

/** Cumulative distribution of the standard normal distribution. */
export function normalCdf(z: number): number {
  return normalSf(-z);
}
