/**
 * Observation layouts: how a dataset's stored (native) observation maps into the model's 204-d state.
 *
 * - Meta-World stores its 39-d observation; the model input is that vector zero-padded at the end.
 * - DMControl stores its flat native observation (the task's observation keys concatenated in order);
 *   each key is placed at its slot of the shared 204-d layout (`DMC_OBSTYPE_TO_STARTIDX` in the
 *   original `src/envs/dmcontrol_utils.py`), unused slots stay zero.
 * - The original DMControl release is already in the 204-d layout (`model`).
 */
import { z } from 'zod';
import { L2M_OBS_DIM, L2M_OBS_SLOTS } from '../envs/dmc/observation.ts';

export const MODEL_STATE_DIM = L2M_OBS_DIM;
export const MODEL_ACTION_DIM = 6;

/** DMControl observation key → slot of the 204-d model state (the DMControl module's table). */
export const DMC_SLOTS = L2M_OBS_SLOTS;

export const observationPartSchema = z.object({ name: z.string(), size: z.number().int().positive() });
export type ObservationPart = z.infer<typeof observationPartSchema>;

export const observationLayoutSchema = z.discriminatedUnion('kind', [
  /** Copied to the front of the model state, the rest zero (Meta-World: dim 39). */
  z.object({ kind: z.literal('padded'), dim: z.number().int().positive().max(MODEL_STATE_DIM) }),
  /** DMControl native flat observation: named parts in order, each placed at its slot. */
  z.object({ kind: z.literal('dmc-parts'), parts: z.array(observationPartSchema).min(1) }),
  /** Already the 204-d model layout. */
  z.object({ kind: z.literal('model') }),
]);
export type ObservationLayout = z.infer<typeof observationLayoutSchema>;

/** Stored observation width of a layout. */
export function layoutDim(layout: ObservationLayout): number {
  switch (layout.kind) {
    case 'padded':
      return layout.dim;
    case 'dmc-parts':
      return layout.parts.reduce((s, p) => s + p.size, 0);
    case 'model':
      return MODEL_STATE_DIM;
  }
}

/** For each stored observation dimension, its index in the 204-d model state. */
export function modelStateIndex(layout: ObservationLayout): Int32Array {
  const dim = layoutDim(layout);
  const index = new Int32Array(dim);
  if (layout.kind !== 'dmc-parts') {
    for (let i = 0; i < dim; i++) index[i] = i;
    return index;
  }
  let k = 0;
  for (const part of layout.parts) {
    const slot = DMC_SLOTS[part.name];
    if (!slot) throw new Error(`DMControl observation key '${part.name}' has no slot in the 204-d layout (known: ${Object.keys(DMC_SLOTS).join(', ')})`);
    if (part.size > slot.size) throw new Error(`DMControl observation key '${part.name}' has ${part.size} values but its slot holds ${slot.size}`);
    for (let j = 0; j < part.size; j++) index[k++] = slot.start + j;
  }
  return index;
}

/** True when the stored observation occupies a prefix of the model state in order (a plain copy). */
export function isPrefixLayout(index: Int32Array): boolean {
  for (let i = 0; i < index.length; i++) if (index[i] !== i) return false;
  return true;
}
