/** Derived seeds: one 32-bit seed per (run seed, task, episode, purpose ...), independent of order. */

/** Hashes its parts (FNV-1a over the parts, then a murmur3 finaliser) to an unsigned 32-bit seed. */
export function deriveSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  const mix = (byte: number): void => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  for (const p of parts) {
    if (typeof p === 'string') {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        mix(c);
        mix(c >>> 8);
      }
      mix(0xff);
    } else {
      if (!Number.isSafeInteger(p)) throw new Error(`deriveSeed: ${p} is not a safe integer`);
      const lo = p >>> 0;
      const hi = Math.floor(p / 4294967296) >>> 0;
      for (const w of [lo, hi]) for (let s = 0; s < 32; s += 8) mix(w >>> s);
      mix(0xfe);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
