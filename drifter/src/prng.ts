/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32, with normals by the ziggurat method (Marsaglia & Tsang 2000, 128
 * layers, the layer index and the value taken from disjoint bits of one draw, as Doornik
 * 2005 advises). Pure JavaScript integer arithmetic and V8's deterministic Math.exp/log, so
 * the same seed gives the same stream on every platform and Node version.
 *
 * A stream is named by (seed, block, stream): the drifter gives every block of rows its
 * own streams, so blocks can be made independently (in parallel) and still replay byte for
 * byte. Different names always give different starting states.
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

// Ziggurat tables for 128 layers, values on a 2^24 scale (the draw's top 25 bits, signed).
const ZIG_LAYERS = 128;
const ZIG_SCALE = 16777216; // 2^24
const ZIG_R = 3.442619855899;
const ZIG_AREA = 9.91256303526217e-3;
const KN = new Float64Array(ZIG_LAYERS);
const WN = new Float64Array(ZIG_LAYERS);
const FN = new Float64Array(ZIG_LAYERS);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_AREA / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * ZIG_SCALE);
  KN[1] = 0;
  WN[0] = q / ZIG_SCALE;
  WN[ZIG_LAYERS - 1] = dn / ZIG_SCALE;
  FN[0] = 1;
  FN[ZIG_LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = ZIG_LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_AREA / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * ZIG_SCALE);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / ZIG_SCALE;
  }
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

  /** Standard normal N(0, 1) by the ziggurat: one draw and a multiply 99% of the time. */
  normal(): number {
    const u = this.nextU32();
    const iz = u & (ZIG_LAYERS - 1);
    const hz = (u | 0) >> 7;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    return this.normalEdge(hz, iz);
  }

  /** The ziggurat's rare cases: the base layer's tail and the wedges of the other layers. */
  private normalEdge(hz: number, iz: number): number {
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log((this.nextU32() + 0.5) / TWO_POW_32) / ZIG_R;
          y = -Math.log((this.nextU32() + 0.5) / TWO_POW_32);
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * WN[iz];
      if (FN[iz] + this.uniform() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
      const u = this.nextU32();
      iz = u & (ZIG_LAYERS - 1);
      hz = (u | 0) >> 7;
      if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    }
  }

  /**
   * An index drawn from cumulative weights times 2^32 (last entry 2^32): the same draw as
   * comparing uniform() with the weights, without the division.
   */
  pickU32(cum32: Float64Array): number {
    const u = this.nextU32();
    const n = cum32.length;
    for (let i = 0; i < n - 1; i++) if (u < cum32[i]) return i;
    return n - 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
