/**
 * The configurations the adaptation contract test (test/adapt-contract.test.ts) runs for each
 * registered method. Every registered method must have at least one case here.
 * `identity`: the method's initialisation leaves the base's outputs unchanged (LoRA B = 0, (IA)3 = 1, ...).
 * `taskIds`: the method reads the task id of each window (per-task rows, oracles).
 */
export interface AdaptCase {
  label: string;
  config: { name: string } & Record<string, unknown>;
  identity: boolean;
}

export const ADAPT_CASES: Record<string, AdaptCase[]> = {
  full: [{ label: 'full fine-tuning', config: { name: 'full' }, identity: true }],
  'last-layers': [
    { label: 'last block + ln_f + head', config: { name: 'last-layers' }, identity: true },
    { label: 'block 0 only', config: { name: 'last-layers', layers: [0], actionHead: false, finalNorm: false }, identity: true },
  ],
  head: [{ label: 'action head only', config: { name: 'head' }, identity: true }],
  lora: [
    { label: 'lora (Q, V, FFN)', config: { name: 'lora', rank: 4, alpha: 8 }, identity: true },
    { label: 'lora (K only, last block)', config: { name: 'lora', rank: 2, alpha: 2, q: false, k: true, v: false, ffn: false, layers: [-1] }, identity: true },
  ],
};
