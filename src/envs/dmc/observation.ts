/**
 * The original L2M's single 204-d DMControl observation (`src/envs/dmcontrol_utils.py`): every
 * observation key of every dm_control benchmarking domain owns a fixed slot, so one model reads
 * all domains. A task fills the slots of its keys and leaves the rest zero.
 */
import type { ObservationParts } from './task.ts';

/** Slot of each observation key in the 204-d vector: start index and length. */
export const L2M_OBS_SLOTS: Readonly<Record<string, { start: number; size: number }>> = {
  orientations: { start: 0, size: 14 },
  velocity: { start: 14, size: 27 },
  position: { start: 41, size: 8 },
  touch: { start: 49, size: 5 },
  target_position: { start: 54, size: 2 },
  dist_to_target: { start: 56, size: 1 },
  joint_angles: { start: 57, size: 21 },
  upright: { start: 78, size: 1 },
  target: { start: 79, size: 3 },
  head_height: { start: 82, size: 1 },
  extremities: { start: 83, size: 12 },
  torso_vertical: { start: 95, size: 3 },
  com_velocity: { start: 98, size: 3 },
  arm_pos: { start: 101, size: 16 },
  arm_vel: { start: 117, size: 8 },
  hand_pos: { start: 125, size: 4 },
  object_pos: { start: 129, size: 4 },
  object_vel: { start: 133, size: 3 },
  target_pos: { start: 136, size: 4 },
  orientation: { start: 140, size: 2 },
  to_target: { start: 142, size: 2 },
  joints: { start: 144, size: 14 },
  body_velocities: { start: 158, size: 45 },
  height: { start: 203, size: 1 },
};

export const L2M_OBS_DIM = 204;

/** Places each named part in its slot of a 204-d vector (fresh, or `out` overwritten), zeros elsewhere. */
export function toL2m204(parts: ObservationParts, out?: Float64Array): Float64Array {
  if (out === undefined) out = new Float64Array(L2M_OBS_DIM);
  else if (out.length !== L2M_OBS_DIM) throw new Error(`toL2m204: output has ${out.length} dims, expected ${L2M_OBS_DIM}`);
  else out.fill(0);
  for (const key of Object.keys(parts)) {
    const slot = L2M_OBS_SLOTS[key];
    if (slot === undefined) throw new Error(`toL2m204: observation key '${key}' has no slot in the 204-d layout (known: ${Object.keys(L2M_OBS_SLOTS).join(', ')})`);
    const value = parts[key];
    if (value.length > slot.size) throw new Error(`toL2m204: observation '${key}' has ${value.length} values but its slot holds ${slot.size}`);
    out.set(value, slot.start);
  }
  return out;
}

/** dm_control's flat observation: the parts concatenated in key order. */
export function flattenParts(parts: ObservationParts): Float64Array {
  let n = 0;
  for (const key of Object.keys(parts)) n += parts[key].length;
  const out = new Float64Array(n);
  let offset = 0;
  for (const key of Object.keys(parts)) {
    out.set(parts[key], offset);
    offset += parts[key].length;
  }
  return out;
}
