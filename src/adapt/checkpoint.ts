/**
 * Adapter-only checkpoints, as PEFT's save_pretrained: `adapter.safetensors` (the tensors the method
 * added or trains, under their model names) and `adapter.json` (the method and its config, the base
 * model's configuration and identity). Loading checks the identity, so an adapter never lands on a
 * base it was not trained on.
 *
 * The identity is the sha256 of the base's tensors when the method was attached (`baseIdentity`).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import type { DecisionTransformer, DTConfig } from '../model/decision-transformer.ts';
import type { AdaptMethod } from './method.ts';
import { adapterStateDict, attachMethod, baseIdentity, trainableParameters } from './inject.ts';
import { createMethod } from './registry.ts';

export const ADAPTER_FILES = { tensors: 'adapter.safetensors', meta: 'adapter.json' } as const;

export interface AdapterMeta {
  format: 'l2m-adapter';
  version: 1;
  method: { name: string; [key: string]: unknown };
  base: { identity: string; model: DTConfig };
  trainable: number;
  total: number;
  /** Method state besides tensors (selection counts, ...). */
  state?: unknown;
  /** Anything the caller adds (task, update, ...). */
  extra?: unknown;
}

export function saveAdapter(dir: string, model: DecisionTransformer, method: AdaptMethod, opts: { identity?: string; extra?: unknown } = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  const tensors = adapterStateDict(model);
  const { trainable, total } = trainableParameters(model);
  torch.saveSafetensors(path.join(dir, ADAPTER_FILES.tensors), tensors, { format: 'l2m-adapter' });
  const meta: AdapterMeta = {
    format: 'l2m-adapter',
    version: 1,
    method: { name: method.name, ...(method.config as Record<string, unknown>) },
    base: { identity: opts.identity ?? baseIdentity(model), model: model.cfg },
    trainable,
    total,
    ...(method.state ? { state: method.state() } : {}),
    ...(opts.extra !== undefined ? { extra: opts.extra } : {}),
  };
  writeFileAtomic(path.join(dir, ADAPTER_FILES.meta), JSON.stringify(meta, null, 2) + '\n');
}

export function readAdapterMeta(dir: string): AdapterMeta {
  const file = path.join(dir, ADAPTER_FILES.meta);
  if (!fs.existsSync(file)) throw new Error(`${path.resolve(dir)}: not an adapter checkpoint (no ${ADAPTER_FILES.meta})`);
  let meta: AdapterMeta;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as AdapterMeta;
  } catch (err) {
    throw new Error(`${file}: malformed JSON (${(err as Error).message})`);
  }
  if (meta.format !== 'l2m-adapter') throw new Error(`${file}: not an l2m adapter (format ${String(meta.format)})`);
  return meta;
}

/**
 * Attaches the adapter in `dir` to `base` (a plain model, just loaded): checks that `base` is the model
 * the adapter was trained on, rebuilds the method from its config, injects it, loads its tensors.
 */
export function loadAdapter(dir: string, base: DecisionTransformer, opts: { identity?: string } = {}): AdaptMethod {
  const meta = readAdapterMeta(dir);
  const identity = opts.identity ?? baseIdentity(base);
  // Dropout is a training setting (fine-tuning may change it, `model.dropout`), not architecture.
  const arch = (c: object): string => JSON.stringify({ ...c, dropout: undefined });
  if (arch(meta.base.model) !== arch(base.cfg)) {
    throw new Error(`${path.resolve(dir)}: the adapter was trained on a base of another architecture (${JSON.stringify(meta.base.model)}), not this one (${JSON.stringify(base.cfg)})`);
  }
  if (meta.base.identity !== identity) {
    throw new Error(`${path.resolve(dir)}: the adapter was trained on another base model (identity ${meta.base.identity.slice(0, 12)}…, this base is ${identity.slice(0, 12)}…)`);
  }
  const method = createMethod(meta.method, path.join(dir, ADAPTER_FILES.meta));
  attachMethod(base, method);
  const file = path.join(dir, ADAPTER_FILES.tensors);
  torch.tidy(() => {
    const { tensors } = torch.loadSafetensors(file);
    const own = adapterStateDict(base);
    const missing = Object.keys(own).filter((k) => !(k in tensors));
    const unexpected = Object.keys(tensors).filter((k) => !(k in own));
    if (missing.length || unexpected.length) throw new Error(`${file}: does not match the '${meta.method.name}' method's tensors (missing: ${missing.join(', ') || 'none'}; unexpected: ${unexpected.join(', ') || 'none'})`);
    base.loadStateDict(tensors, { strict: false, source: file });
  });
  if (meta.state !== undefined) method.restore?.(meta.state);
  return method;
}
