/**
 * P-tuning v2 (l2m-spec.md section 3; the original's `DummyPrompt` with `n_layer` set and no prefix,
 * run through `MultiPromptDTGPT2Model`): deep prompts, P learned hidden states prepended to the input
 * of every chosen block (`Modulation.layerPrompts`).
 *
 * The original concatenates layer l's prompt before the window's hidden states entering block l and
 * cuts the prompt positions off again before block l + 1 (`prune_hidden_states`), so a window token
 * sees, at layer l, the keys and values its block makes from that prompt: ln_1, then c_attn. That is
 * what the model does with `layerPrompts` (gpt2.ts), without running the prompt positions through the
 * rest of the block, whose outputs are discarded. Layer 0's prompt, like the others, is prepended after
 * wpe[0] and the embedding dropout, so it gets neither.
 *
 * Parameters: `adapt.prompt` [1, P, L', d], U(-1, 1) (L' chosen layers; 115,200 for the paper's model
 * at P = 25 and all 6 layers). The original reads its [P, L·d] embedding as [L, P, d] by a plain
 * reshape; as the entries are free parameters with an elementwise init, the layout changes nothing.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { ModelAdapter, Modulation, WindowContext } from '../model/modulation.ts';
import { resolveLayers } from './inject.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';
import { distinctLayers, gatherPrompts, layersField, perLayer, promptFields, promptTable, type PromptDims } from './soft-prompt.ts';

const { nn } = torch;

export const ptuningV2Schema = z.object({ ...promptFields, layers: layersField }).strict();
export type PtuningV2Config = z.infer<typeof ptuningV2Schema>;

/** `model.adapt` of P-tuning v2. */
export class DeepPrompts extends nn.Module implements ModelAdapter {
  /** [1, P, L', d]: slot j of axis 2 is block `layers[j]`'s prompt. */
  prompt: torch.nn.Parameter;
  dropout: torch.nn.Dropout;

  constructor(
    readonly dims: PromptDims,
    cfg: PtuningV2Config,
    /** Resolved block indices, in order. */
    readonly layers: readonly number[],
  ) {
    super();
    distinctLayers(layers, 'ptuning-v2');
    this.prompt = promptTable([1, cfg.length, layers.length, dims.dModel], cfg.init);
    this.dropout = new nn.Dropout(cfg.dropout);
  }

  modulate(ctx: WindowContext): Modulation {
    return torch.tidy(() => {
      const deep = this.dropout.forward(gatherPrompts(this.prompt, ctx.tokens.size(0))); // [B, P, L', d]
      return { layerPrompts: perLayer(this.dims.nLayer, this.layers, (j) => deep.select(2, j)) };
    });
  }
}

registerMethod({
  name: 'ptuning-v2',
  description: 'P-tuning v2: 25 deep prompt tokens at the input of every block; the base is frozen',
  schema: ptuningV2Schema,
  create(config): AdaptMethod<PtuningV2Config> {
    return {
      name: 'ptuning-v2',
      config,
      inject(model) {
        model.freeze();
        model.adapt = new DeepPrompts(model.cfg, config, resolveLayers(model, config.layers));
      },
    };
  },
});
