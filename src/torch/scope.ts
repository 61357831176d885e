/**
 * Deterministic tensor lifetimes. Every tensor an op creates joins the innermost open scope;
 * `tidy(fn)` disposes all of them when fn returns, except the tensors it returns (found in
 * arrays, plain objects and Maps), which move to the enclosing scope. `keep(t)` exempts a
 * tensor from every scope. Outside any scope tensors live until `dispose()` (or, as a
 * fallback, until garbage collection, which Node runs only when the event loop turns).
 */

/** What a scope needs from a tensor (kept free of the Tensor class to avoid an import cycle). */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Set by keep(): no scope disposes it. */
  kept: boolean;
  /** Called when the tensor leaves every scope (kept, or returned from the outermost tidy). */
  onUnscoped(): void;
}

export const TENSOR_BRAND: unique symbol = Symbol('l2m.tensor');

const scopes: Disposable[][] = [];

/** Adds t to the innermost scope; false when no scope is open. */
export function track(t: Disposable): boolean {
  if (scopes.length === 0) return false;
  scopes[scopes.length - 1]!.push(t);
  return true;
}

function isTensor(v: unknown): v is Disposable {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[TENSOR_BRAND] === true;
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/** Runs fn; disposes every tensor created inside except those it returns. fn must be synchronous. */
export function tidy<T>(fn: () => T): T {
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw new Error('tidy() takes a synchronous function; await outside it and tidy each synchronous step');
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1]! : undefined;
  for (const t of scope) {
    if (returned.has(t)) {
      if (parent && !t.kept) parent.push(t);
      else t.onUnscoped();
    } else if (!t.kept) {
      t.dispose();
    }
  }
  return result;
}

/** Exempts t from every scope (it lives until t.dispose()). Returns t. */
export function keep<T extends Disposable>(t: T): T {
  t.kept = true;
  t.onUnscoped();
  return t;
}

/** Disposes every tensor found in value (a tensor, or arrays / objects / Maps of tensors). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** How many scopes are open (for tests). */
export function scopeDepth(): number {
  return scopes.length;
}
