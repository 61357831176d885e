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
  // Prompts change the outputs by design. Their dropout (0.1 by default) is off here so that the
  // training-mode PyTorch parity is deterministic; test/adapt-prompts.test.ts checks it separately.
  prompt: [
    { label: 'prompt tuning (3 tokens)', config: { name: 'prompt', length: 3, dropout: 0 }, identity: false },
    { label: 'prompt tuning (1 token, normal init)', config: { name: 'prompt', length: 1, init: 'normal', dropout: 0 }, identity: false },
  ],
  prefix: [
    { label: 'prefix tuning (3, MLP from the k/v-wide embedding)', config: { name: 'prefix', length: 3, dropout: 0 }, identity: false },
    { label: 'prefix tuning (2, MLP from a d-wide embedding, reduction 4)', config: { name: 'prefix', length: 2, embedding: 'model', reduction: 4, dropout: 0 }, identity: false },
    { label: 'prefix tuning (3, direct k/v, last block)', config: { name: 'prefix', length: 3, reparametrize: false, layers: [-1], dropout: 0 }, identity: false },
  ],
  'ptuning-v2': [
    { label: 'P-tuning v2 (3, all blocks)', config: { name: 'ptuning-v2', length: 3, dropout: 0 }, identity: false },
    { label: 'P-tuning v2 (2, block 1 only)', config: { name: 'ptuning-v2', length: 2, layers: [1], dropout: 0 }, identity: false },
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
  // Continual baselines before any task has ended: EWC / L2 add no penalty yet, PackNet trains every
  // weight (all owned by task 0). Their task-switch behaviour: test/adapt-ewc.test.ts, test/adapt-packnet.test.ts.
  ewc: [
    { label: 'ewc (full fine-tuning + penalty)', config: { name: 'ewc' }, identity: true },
    { label: 'ewc (last block only, last task)', config: { name: 'ewc', trainable: ['blocks.1.*'], previousTasks: 'last', fisherBatches: 2 }, identity: true },
  ],
  l2: [{ label: 'l2 (full fine-tuning + penalty)', config: { name: 'l2' }, identity: true }],
  packnet: [
    { label: 'packnet (Linear weights and embedding tables packed)', config: { name: 'packnet' }, identity: true },
    { label: 'packnet (embedding tables frozen like biases)', config: { name: 'packnet', embeddings: 'freeze', retrainSteps: 5 }, identity: true },
  ],
  // Pools: B = 0 / (IA)3 = 1 make every entry the identity; prompt pools change the outputs (dropout off, as above).
  l2m: [
    { label: 'l2m (pool 4, LoRA Q, V, FFN)', config: { name: 'l2m', pool: 4, rank: 2, alpha: 4 }, identity: true },
    { label: 'l2m oracle (pool 6 in 3 task blocks, LoRA Q, K, V)', config: { name: 'l2m', pool: 6, rank: 2, alpha: 4, k: true, ffn: false, oracle: { tasks: 3 } }, identity: true },
  ],
  'l2m-ia3': [{ label: 'l2m-ia3 (pool 4, 2 pre-training keys)', config: { name: 'l2m-ia3', pool: 4, pretrainKeys: 2 }, identity: true }],
  l2p: [
    { label: 'l2p prompt (pool 6, top 2 of length 2)', config: { name: 'l2p', form: 'prompt', pool: 6, topK: 2, length: 2, dropout: 0 }, identity: false },
    { label: 'l2p prefix (pool 5, top 3 of length 1, last block)', config: { name: 'l2p', form: 'prefix', pool: 5, topK: 3, length: 1, layers: [-1], dropout: 0 }, identity: false },
    { label: 'l2p ptuning-v2 oracle (pool 6 in 3 blocks, top 2 of length 2)', config: { name: 'l2p', form: 'ptuning-v2', pool: 6, topK: 2, length: 2, oracle: { tasks: 3 }, dropout: 0 }, identity: false },
  ],
};
