/**
 * The batch-level random stream (which columns drift_prob moves, and by how much):
 * xoshiro128** (Blackman & Vigna) seeded through splitmix32, named by (seed, block,
 * stream) the way the row core names its streams (lib/generator/wasm/core.ts, which makes every
 * row and its normals). Pure integer arithmetic: the same name gives the same stream on
 * every platform and Node version.
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

/** murmur3's fmix32: a bijection of 32-bit integers that scatters nearby inputs. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** `seed` is any integer from 0 to 2^32-1 (the low 32 bits are used); see reseed. */
  constructor(seed: number, block = 0, stream = 0) {
    this.reseed(seed, block, stream);
  }

  /** Restarts as stream (seed, block, stream), each an integer 0..2^32-1. */
  reseed(seed: number, block: number, stream: number): void {
    const st = { s: seed >>> 0 };
    this.a = splitmix32(st);
    this.b = (splitmix32(st) ^ fmix32((block + 1) >>> 0)) >>> 0;
    this.c = (splitmix32(st) ^ fmix32((stream + 1) >>> 0)) >>> 0;
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    // The words differ in one place between neighbouring names; a few rounds mix them in.
    for (let i = 0; i < 8; i++) this.nextU32();
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
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
