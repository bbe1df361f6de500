/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32, with normals by Marsaglia's polar method. Pure JavaScript integer arithmetic, so the
 * same seed gives the same stream on every platform and Node version.
 */

const TWO_POW_32 = 4294967296;

/** splitmix32: spreads one 32-bit seed over the four words of xoshiro's state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  /** `seed` is any integer from 0 to 2^32-1 (the low 32 bits are used). */
  constructor(seed: number) {
    const st = { s: seed >>> 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Standard normal N(0, 1): Marsaglia's polar method (both values of a pair are used). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = (this.nextU32() / TWO_POW_32) * 2 - 1;
      v = (this.nextU32() / TWO_POW_32) * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** An index drawn from cumulative weights `cum` (last entry 1). */
  pick(cum: ArrayLike<number>): number {
    const u = this.uniform();
    const n = cum.length;
    for (let i = 0; i < n - 1; i++) if (u < cum[i]) return i;
    return n - 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
