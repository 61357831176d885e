/**
 * Optimizer base: parameter groups with per-group hyper-parameters (lr, weightDecay, ...), per-
 * parameter state made of plain tensors (saved with stateDict / restored with loadStateDict).
 * Parameters without a gradient are skipped, as in PyTorch.
 */
import { Tensor } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { keep, tidy } from '../scope.ts';

export interface GroupOptions {
  lr?: number;
  weightDecay?: number;
  [option: string]: unknown;
}

/** A group of parameters sharing hyper-parameters. */
export interface ParamGroup<O> {
  params: Tensor[];
  options: O;
}

export type ParamsArg<O> = Iterable<Tensor> | Array<{ params: Iterable<Tensor> } & Partial<O>>;

/** What an optimizer saves: its state tensors by key ('state.<paramIndex>.<name>') and JSON metadata. */
export interface OptimizerState {
  tensors: Record<string, Tensor>;
  meta: {
    type: string;
    groups: Array<Record<string, unknown> & { params: number[] }>;
    /** Per parameter index: its scalar state (e.g. step). */
    scalars: Record<string, Record<string, number>>;
  };
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: Array<ParamGroup<O>>;
  /** Per-parameter state: tensors (moments, buffers) and numbers (step). */
  protected readonly state = new Map<Tensor, { tensors: Record<string, Tensor>; scalars: Record<string, number> }>();

  constructor(params: ParamsArg<O>, defaults: O) {
    const list = Array.from(params as Iterable<unknown>);
    const isGroups = list.length > 0 && !(list[0] instanceof Tensor);
    const groups = isGroups ? (list as Array<{ params: Iterable<Tensor> } & Partial<O>>) : [{ params: list as Tensor[] }];
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((g, i) => {
      const { params: ps, ...overrides } = g;
      const tensors = Array.from(ps);
      for (const p of tensors) {
        if (!(p instanceof Tensor)) throw new TypeError(`optimizer group ${i}: params must be tensors`);
        if (seen.has(p)) throw new Error(`optimizer group ${i}: a parameter appears in more than one group`);
        seen.add(p);
      }
      return { params: tensors, options: { ...defaults, ...(overrides as Partial<O>) } };
    });
  }

  /** The type name saved in state dicts (checked on load). */
  abstract get name(): string;
  /** Updates one parameter with its gradient; runs inside noGrad and a tidy scope. */
  protected abstract update(p: Tensor, grad: Tensor, options: O, state: { tensors: Record<string, Tensor>; scalars: Record<string, number> }): void;

  /** One optimisation step over every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          tidy(() => {
            const g = p.grad;
            if (g === null) return;
            let st = this.state.get(p);
            if (st === undefined) {
              st = { tensors: {}, scalars: {} };
              this.state.set(p, st);
            }
            this.update(p, g, group.options, st);
          });
        }
      }
    });
  }

  /** Clears gradients (sets them to null, like zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /** Sets the learning rate of every group (or of group `index`). */
  setLr(lr: number, index?: number): void {
    for (const [i, g] of this.paramGroups.entries()) if (index === undefined || i === index) g.options.lr = lr;
  }

  #allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** State tensors are the optimizer's own (do not dispose them); meta is plain JSON. */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    const scalars: Record<string, Record<string, number>> = {};
    const params = this.#allParams();
    params.forEach((p, i) => {
      const st = this.state.get(p);
      if (st === undefined) return;
      for (const [k, t] of Object.entries(st.tensors)) tensors[`state.${i}.${k}`] = t;
      scalars[String(i)] = { ...st.scalars };
    });
    let offset = 0;
    const groups = this.paramGroups.map((g) => {
      const indices = g.params.map((_, j) => offset + j);
      offset += g.params.length;
      return { ...(g.options as Record<string, unknown>), params: indices };
    });
    return { tensors, meta: { type: this.name, groups, scalars } };
  }

  /** Restores state saved by stateDict (tensors are copied; shapes and group sizes are checked). */
  loadStateDict(saved: OptimizerState, source = 'optimizer state'): void {
    if (saved.meta.type !== this.name) throw new Error(`${source}: saved by ${saved.meta.type}, cannot load into ${this.name}`);
    if (saved.meta.groups.length !== this.paramGroups.length) {
      throw new Error(`${source}: has ${saved.meta.groups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    saved.meta.groups.forEach((g, i) => {
      const mine = this.paramGroups[i]!;
      if (g.params.length !== mine.params.length) {
        throw new Error(`${source}: group ${i} has ${g.params.length} parameters, this optimizer ${mine.params.length}`);
      }
    });
    const params = this.#allParams();
    const problems: string[] = [];
    for (const [key, t] of Object.entries(saved.tensors)) {
      const m = /^state\.(\d+)\.(.+)$/.exec(key);
      const p = m ? params[Number(m[1])] : undefined;
      if (!m || p === undefined) {
        problems.push(`unexpected key ${key}`);
        continue;
      }
      const a = p.shape;
      const b = t.shape;
      if (a.length !== b.length || a.some((d, j) => d !== b[j])) problems.push(`${key}: saved [${b.join(', ')}] vs parameter [${a.join(', ')}]`);
    }
    if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
    this.#clearState();
    saved.meta.groups.forEach((g, i) => {
      const { params: _ignored, ...options } = g;
      Object.assign(this.paramGroups[i]!.options as object, options);
    });
    noGrad(() => {
      for (const [key, t] of Object.entries(saved.tensors)) {
        const m = /^state\.(\d+)\.(.+)$/.exec(key)!;
        const p = params[Number(m[1])]!;
        const st = this.#stateFor(p);
        const copy = t.to({ dtype: t.dtype, device: p.device, copy: true });
        keep(copy);
        st.tensors[m[2]!] = copy;
      }
    });
    for (const [idx, sc] of Object.entries(saved.meta.scalars)) {
      const p = params[Number(idx)];
      if (p !== undefined) this.#stateFor(p).scalars = { ...sc };
    }
  }

  #stateFor(p: Tensor): { tensors: Record<string, Tensor>; scalars: Record<string, number> } {
    let st = this.state.get(p);
    if (st === undefined) {
      st = { tensors: {}, scalars: {} };
      this.state.set(p, st);
    }
    return st;
  }

  #clearState(): void {
    for (const st of this.state.values()) for (const t of Object.values(st.tensors)) t.dispose();
    this.state.clear();
  }

  /** Frees the optimizer's state tensors (not the parameters). */
  dispose(): void {
    this.#clearState();
  }
}

/** A state tensor owned by the optimizer: exempt from tidy scopes. */
export function owned(t: Tensor): Tensor {
  return keep(t);
}
