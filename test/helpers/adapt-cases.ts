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
  ia3: [
    { label: 'ia3 (K, V, FFN)', config: { name: 'ia3' }, identity: true },
    { label: 'ia3 (V, last block, embeddings)', config: { name: 'ia3', k: false, ffn: false, embeddings: true, layers: [-1] }, identity: true },
  ],
  adapter: [
    // BERT init (the original's default) is not the identity; mam_adapter init (up = 0) is.
    { label: 'adapter (Houlsby, BERT init)', config: { name: 'adapter' }, identity: false },
    { label: 'adapter (MLP only, last block, bottleneck 8, up = 0)', config: { name: 'adapter', bottleneck: 8, init: 'mam_adapter', attention: false, layers: [-1] }, identity: true },
  ],
};
