/**
 * numpy's legacy `RandomState` (MT19937 with `random_sample`, `uniform` and the polar-method
 * `randn`), bit for bit, so a DMControl task seeded with `numpyResets` draws exactly the initial
 * states dm_control draws for `task_kwargs={'random': seed}` (the original used seed 1 through
 * dmc2gym). Also gym 0.21's hashed seeding of action spaces, to replay the original's random-policy
 * measurements. Hand-written: no npm package reproduces numpy's streams.
 */
import { createHash } from 'node:crypto';
import type { ResetRng } from './task.ts';

const N = 624;
const M = 397;

export class NumpyRandomState implements ResetRng {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private spare: number | null = null;

  /** An integer seed (numpy's `RandomState(seed)`) or a key of 32-bit words (`RandomState([k0, k1, ...])`). */
  constructor(seed: number | readonly number[] = 0) {
    this.seed(seed);
  }

  seed(seed: number | readonly number[]): void {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`NumpyRandomState: seed must be an integer in [0, 2^32 - 1], got ${seed}`);
      this.initGenrand(seed);
    } else {
      if (seed.length === 0 || seed.some((k) => !Number.isInteger(k) || k < 0 || k > 0xffffffff)) {
        throw new Error(`NumpyRandomState: a seed key must be a non-empty list of 32-bit unsigned integers, got [${seed.join(', ')}]`);
      }
      this.initByArray(seed);
    }
    this.pos = N;
    this.spare = null;
  }

  /** Uniform in [0, 1) with 53 bits (`random_sample`). */
  random(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Standard normal as numpy's legacy `randn` (polar method, second value cached). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.random() - 1;
      x2 = 2 * this.random() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.spare = f * x1;
    return f * x2;
  }

  private nextU32(): number {
    const mt = this.mt;
    if (this.pos >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.pos = 0;
    }
    let y = mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }
}

/**
 * The RandomState key gym 0.21 derives from an integer seed (`seeding.np_random`): the first 8
 * bytes of sha512(str(seed)) as a little-endian integer, split into 32-bit words (high zero words dropped).
 */
export function gymSeedKey(seed: number): number[] {
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`gymSeedKey: seed must be a non-negative integer, got ${seed}`);
  const digest = createHash('sha512').update(String(BigInt(seed) % 2n ** 64n)).digest();
  const words = [digest.readUInt32LE(0), digest.readUInt32LE(4)];
  while (words.length > 1 && words[words.length - 1] === 0) words.pop();
  return words;
}
