/**
 * Injection helpers shared by the methods: find modules by name pattern, replace Linear layers by
 * wrappers that adopt their Parameters (base names and values unchanged), freeze the base.
 */
import { createHash } from 'node:crypto';
import * as torch from '../torch/index.ts';
import { native } from '../torch/native.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { AdaptMethod } from './method.ts';

const { nn } = torch;

/** Names of the Linear modules matching any pattern ('blocks.*.attn.c_attn'); throws when none does. */
export function matchLinears(model: torch.nn.Module, patterns: readonly string[], what: string): string[] {
  const matchers = patterns.map((p) => nn.nameMatcher(p));
  const names: string[] = [];
  for (const [name, m] of model.namedModules()) if (m instanceof nn.Linear && matchers.some((f) => f(name))) names.push(name);
  if (names.length === 0) throw new Error(`${what}: no Linear layer matches ${patterns.join(', ')}`);
  return names;
}

/** Replaces each named Linear by `wrap(linear, name)`. */
export function wrapLinears<T extends torch.nn.Linear>(model: torch.nn.Module, names: readonly string[], wrap: (base: torch.nn.Linear, name: string) => T): T[] {
  return names.map((name) => {
    const base = model.getSubmodule(name);
    if (!(base instanceof nn.Linear)) throw new Error(`${name} is not a Linear layer`);
    const w = wrap(base, name);
    model.setSubmodule(name, w);
    return w;
  });
}

/** Block indices from a list that may hold negative indices (-1 = the last block), as the original's `exclude_layers`. */
export function resolveLayers(model: DecisionTransformer, layers: readonly number[] | 'all'): number[] {
  const n = model.blocks.length;
  if (layers === 'all') return Array.from({ length: n }, (_, i) => i);
  return layers.map((l) => {
    const i = l < 0 ? n + l : l;
    if (!Number.isInteger(l) || i < 0 || i >= n) throw new Error(`layer ${l} does not exist (the model has ${n} blocks)`);
    return i;
  });
}

/** Base parameter names recorded when a method was attached (adapter checkpoints save everything else, plus what the method trains). */
const baseKeys = new WeakMap<DecisionTransformer, ReadonlySet<string>>();
const identities = new WeakMap<DecisionTransformer, string>();

/** sha256 of a model's tensors (name, dtype, shape, bytes), in name order; `only`: just these names. */
export function tensorsIdentity(model: torch.nn.Module, only?: ReadonlySet<string>): string {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const h = createHash('sha256');
      const entries = Object.entries(model.stateDict()).filter(([name]) => !only || only.has(name));
      for (const [name, t] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        h.update(`${name}:${t.dtype}:[${t.shape.join(',')}]\n`);
        h.update(new Uint8Array(native.toArrayBuffer(t.contiguous().handle) as ArrayBuffer));
      }
      return h.digest('hex');
    }),
  );
}

/**
 * The identity of the base: recorded when a method is attached (before any training), else of the
 * plain model as it is now. Adapter checkpoints carry it and refuse another base.
 */
export function baseIdentity(model: DecisionTransformer): string {
  return identities.get(model) ?? tensorsIdentity(model);
}

/**
 * Attaches `method` to a freshly loaded base: records the base's state-dict names and identity, then
 * injects. A model takes one method.
 */
export function attachMethod(model: DecisionTransformer, method: AdaptMethod): void {
  if (baseKeys.has(model) || model.adapt) throw new Error('attachMethod: this model already has an adaptation method');
  identities.set(model, tensorsIdentity(model));
  baseKeys.set(model, new Set(Object.keys(model.stateDict())));
  method.inject(model);
}

/**
 * The identity of the base tensors as they are now in an adapted model (the base's state-dict names
 * only): equal to `baseIdentity` while the method has left the base untouched.
 */
export function currentBaseIdentity(model: DecisionTransformer): string {
  return tensorsIdentity(model, baseKeyNames(model));
}

/** The base's state-dict names (throws for a model without an attached method). */
export function baseKeyNames(model: DecisionTransformer): ReadonlySet<string> {
  const k = baseKeys.get(model);
  if (!k) throw new Error('no adaptation method is attached to this model');
  return k;
}

/**
 * The tensors an adapter checkpoint holds: everything the method added (names the base does not have)
 * and every base parameter it trains (full and partial fine-tuning, PackNet).
 */
export function adapterStateDict(model: DecisionTransformer): Record<string, torch.Tensor> {
  const base = baseKeyNames(model);
  const out: Record<string, torch.Tensor> = {};
  const trainable = new Set<string>();
  for (const [name, p] of model.namedParameters()) if (p.requiresGrad) trainable.add(name);
  for (const [name, t] of Object.entries(model.stateDict())) if (!base.has(name) || trainable.has(name)) out[name] = t;
  return out;
}

/** `trainable params: N || all params: M || trainable%: x`, as HF PEFT's print_trainable_parameters. */
export function trainableParameters(model: torch.nn.Module): { trainable: number; total: number; line: string } {
  const total = model.numParameters();
  const trainable = model.numParameters(true);
  const pct = total > 0 ? (100 * trainable) / total : 0;
  return { trainable, total, line: `trainable params: ${trainable.toLocaleString('en-US')} || all params: ${total.toLocaleString('en-US')} || trainable%: ${pct.toFixed(4)}` };
}
