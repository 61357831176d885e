/**
 * Module: PyTorch's nn.Module for TypeScript. Parameters, buffers and submodules are found by
 * walking the module's own fields in assignment order, so `this.wte = new Embedding(...)` and
 * `this.blocks = [new Block(), ...]` give names like 'blocks.0.attn.c_attn.weight' exactly as in
 * PyTorch. Fields whose names start with '_' are skipped. Parameters and buffers belong to the
 * module (never to a tidy scope): `stateDict()` returns them, not copies; `dispose()` frees them.
 */
import { Tensor } from '../tensor.ts';
import { Parameter } from './parameter.ts';
import { noGrad } from '../autograd.ts';
import { keep } from '../scope.ts';
import { native } from '../native.ts';
import type { Device, DType } from '../dtype.ts';

/** A glob with '*' (any run of characters, dots included) and '?', a RegExp, or a predicate. */
export type NamePattern = string | RegExp | ((name: string) => boolean);

export function nameMatcher(pattern: NamePattern): (name: string) => boolean {
  if (typeof pattern === 'function') return pattern;
  if (pattern instanceof RegExp) return (n) => pattern.test(n);
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (n) => re.test(n);
}

export class Module {
  training = true;
  /** Names of fields holding buffers (non-trainable tensors saved in the state dict unless not persistent). */
  private readonly _buffers = new Map<string, boolean>();

  /** Registers `tensor` as a buffer field `name` (kept from scopes, moved by to(), saved if persistent). */
  registerBuffer(name: string, tensor: Tensor, persistent = true): Tensor {
    keep(tensor);
    (this as unknown as Record<string, unknown>)[name] = tensor;
    this._buffers.set(name, persistent);
    return tensor;
  }

  /** Direct children in field order; arrays of modules give children named 'field.0', 'field.1', ... */
  *namedChildren(): Generator<[string, Module]> {
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Module) yield [key, value];
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (value[i] instanceof Module) yield [`${key}.${i}`, value[i] as Module];
      }
    }
  }

  /** This module and every descendant, pre-order, with dotted names ('' for this one). */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name, seen);
  }

  /** This module's own parameters (not its children's). */
  *#ownParameters(): Generator<[string, Parameter]> {
    for (const [key, value] of Object.entries(this)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Parameter) yield [key, value];
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (value[i] instanceof Parameter) yield [`${key}.${i}`, value[i] as Parameter];
      }
    }
  }

  /** All parameters with PyTorch-style dotted names, each once. */
  *namedParameters(): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.#ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [prefix ? `${prefix}.${name}` : name, p];
      }
    }
  }

  parameters(): Parameter[] {
    return Array.from(this.namedParameters(), ([, p]) => p);
  }

  /** Buffers with dotted names; persistentOnly skips those registered with persistent = false. */
  *namedBuffers(persistentOnly = false): Generator<[string, Tensor]> {
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, persistent] of m._buffers) {
        if (persistentOnly && !persistent) continue;
        const t = (m as unknown as Record<string, unknown>)[name];
        if (t instanceof Tensor) yield [prefix ? `${prefix}.${name}` : name, t];
      }
    }
  }

  /** Number of parameter elements (only trainable ones if asked). */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and persistent buffers by name (only names matching `filter` when given). The tensors
   * are the module's own: do not dispose them.
   */
  stateDict(filter?: NamePattern): Record<string, Tensor> {
    const keepName = filter === undefined ? () => true : nameMatcher(filter);
    const out: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) if (keepName(name)) out[name] = p;
    for (const [name, b] of this.namedBuffers(true)) if (keepName(name)) out[name] = b;
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers. With strict (default) the key sets
   * must match; shapes must always match. Errors list every offending key.
   */
  loadStateDict(state: Record<string, Tensor>, opts: { strict?: boolean; source?: string } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    const from = opts.source ? ` from ${opts.source}` : '';
    const mismatched: string[] = [];
    for (const [k, t] of Object.entries(own)) {
      const src = state[k];
      if (src === undefined) continue;
      const a = t.shape;
      const b = src.shape;
      if (a.length !== b.length || a.some((d, i) => d !== b[i])) mismatched.push(`${k}: checkpoint [${b.join(', ')}] vs model [${a.join(', ')}]`);
    }
    const problems: string[] = [];
    if (mismatched.length > 0) problems.push(`shape mismatch for ${mismatched.join('; ')}`);
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (problems.length > 0) throw new Error(`loadStateDict${from}: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) {
        const src = state[k];
        if (src !== undefined) t.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /** Sets requiresGrad = false on parameters whose names match; returns the names frozen. */
  freeze(pattern: NamePattern = '*'): string[] {
    return this.#setTrainable(pattern, false);
  }
  /** Sets requiresGrad = true on parameters whose names match; returns their names. */
  unfreeze(pattern: NamePattern = '*'): string[] {
    return this.#setTrainable(pattern, true);
  }
  #setTrainable(pattern: NamePattern, trainable: boolean): string[] {
    const match = nameMatcher(pattern);
    const names: string[] = [];
    for (const [name, p] of this.namedParameters()) {
      if (match(name)) {
        p.requiresGrad_(trainable);
        names.push(name);
      }
    }
    return names;
  }

  /** The descendant at a dotted path ('blocks.0.attn'). */
  getSubmodule(path: string): Module {
    for (const [name, m] of this.namedModules()) if (name === path) return m;
    throw new Error(`no submodule '${path}' in ${this.constructor.name}`);
  }

  /** Replaces the descendant at a dotted path (e.g. to wrap a Linear with a LoRA adapter). */
  setSubmodule(path: string, module: Module): void {
    const parts = path.split('.');
    const last = parts.pop()!;
    let parent: unknown = this;
    for (const part of parts) {
      parent = (parent as Record<string, unknown>)[part];
      if (parent === undefined) throw new Error(`no submodule '${path}' in ${this.constructor.name}`);
    }
    const holder = parent as Record<string, unknown>;
    if (!(holder[last] instanceof Module)) throw new Error(`'${path}' is not a submodule of ${this.constructor.name}`);
    holder[last] = module;
  }

  /** Clears the gradients of all parameters (sets them to null, like zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Moves (or casts) parameters and buffers in place, like nn.Module.to. */
  to(target: Device | DType | { device?: Device; dtype?: DType }): this {
    const spec = typeof target === 'string' ? target : target;
    noGrad(() => {
      for (const [, p] of this.namedParameters()) {
        const moved = p.to(spec);
        native.setData(p.handle, moved.handle);
        moved.dispose();
      }
      for (const [, m] of this.namedModules()) {
        for (const name of m._buffers.keys()) {
          const rec = m as unknown as Record<string, unknown>;
          const b = rec[name];
          if (!(b instanceof Tensor)) continue;
          const moved = b.to(spec);
          keep(moved);
          b.dispose();
          rec[name] = moved;
        }
      }
    });
    return this;
  }

  /** Calls fn on every module, children first (like nn.Module.apply). */
  apply(fn: (m: Module) => void): this {
    const all = Array.from(this.namedModules(), ([, m]) => m).reverse();
    for (const m of all) fn(m);
    return this;
  }

  /** Frees every parameter and buffer. The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}
