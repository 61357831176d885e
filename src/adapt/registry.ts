/**
 * Adaptation methods by name. A method file calls `registerMethod` with its zod config schema (strict:
 * unknown fields are errors) and a factory; `createMethod({ name, ...fields })` validates and builds.
 * `import './index.ts'` loads every built-in method.
 */
import { z } from 'zod';
import type { AdaptMethod } from './method.ts';

export interface MethodEntry<S extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for `l2m finetune --help` and docs. */
  description: string;
  schema: S;
  create(config: z.infer<S>): AdaptMethod<z.infer<S>>;
}

const methods = new Map<string, MethodEntry>();

export function registerMethod<S extends z.ZodType>(entry: MethodEntry<S>): void {
  if (methods.has(entry.name)) throw new Error(`adaptation method '${entry.name}' is registered twice`);
  methods.set(entry.name, entry as unknown as MethodEntry);
}

export function methodNames(): string[] {
  return [...methods.keys()];
}

export function methodEntry(name: string): MethodEntry {
  const e = methods.get(name);
  if (!e) throw new Error(`unknown adaptation method '${name}' (known: ${methodNames().join(', ')})`);
  return e;
}

/** A method config as written in YAML: `{ name: lora, rank: 8, ... }`. */
export type MethodSpec = { name: string } & Record<string, unknown>;

/** Validates `spec` against its method's schema; the error lists every bad field. */
export function parseMethodConfig(spec: unknown, where = 'method'): { name: string; config: unknown } {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new Error(`${where}: expected a mapping with a 'name' (one of ${methodNames().join(', ')})`);
  const { name, ...fields } = spec as Record<string, unknown>;
  if (typeof name !== 'string') throw new Error(`${where}: 'name' must be one of ${methodNames().join(', ')}`);
  const entry = methodEntry(name);
  const r = entry.schema.safeParse(fields);
  if (!r.success) {
    throw new Error(`${where} (${name}): invalid config:\n` + r.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  return { name, config: r.data };
}

export function createMethod(spec: unknown, where?: string): AdaptMethod {
  const { name, config } = parseMethodConfig(spec, where);
  return methodEntry(name).create(config);
}
