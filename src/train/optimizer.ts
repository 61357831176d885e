/** The optimiser set-up shared by every training loop. */
import * as torch from '../torch/index.ts';

/**
 * AdamW groups as the original: weight decay on Linear weight matrices, none on biases, LayerNorms,
 * embeddings and a method's own tensors (keys, prompts, LoRA factors are plain Parameters there too).
 * Only trainable parameters are included.
 */
export function adamwGroups(model: torch.nn.Module, weightDecay: number): Array<{ params: torch.nn.Parameter[]; weightDecay: number }> {
  const decayed = new Set<torch.nn.Parameter>();
  for (const [, m] of model.namedModules()) if (m instanceof torch.nn.Linear) decayed.add(m.weight);
  const decay: torch.nn.Parameter[] = [];
  const noDecay: torch.nn.Parameter[] = [];
  for (const p of model.parameters()) if (p.requiresGrad) (decayed.has(p) ? decay : noDecay).push(p);
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ];
}
