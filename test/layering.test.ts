/**
 * The import direction of `src/`: data flows envs → data → model → adapt → train → eval → cli, and a
 * lower layer never imports a higher one (types included). One exception, by design: the training
 * loops evaluate while they train (the Continual World protocol evaluates every task every few hundred
 * updates), so `src/train` may use the rollouts and their metrics, and nothing else of `src/eval`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** Lowest first. `rl` (SAC) writes datasets and sits beside the model stack. */
const LAYERS = ['torch', 'envs', 'data', 'rl', 'model', 'adapt', 'train', 'eval', 'cli'];
const TRAIN_MAY_USE = new Set(['eval/evaluate.ts', 'eval/metrics.ts', 'eval/continual-metrics.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module a file imports or re-exports (static, dynamic and type-only). */
export function importsOf(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

test('importsOf finds static, type-only, side-effect and dynamic imports and re-exports', () => {
  const code = "import a from './a.ts';\nimport type { B } from '../b/b.ts';\nimport './c.ts';\nexport { d } from '../d.ts';\nconst e = await import('../e/e.ts');\nimport x from 'node:fs';";
  assert.deepEqual(importsOf(code), ['./a.ts', '../b/b.ts', './c.ts', '../d.ts', '../e/e.ts']);
});

test('no layer of src/ imports a layer above it', () => {
  const violations: string[] = [];
  const dirs = fs.readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(dirs.filter((d) => !LAYERS.includes(d)), [], 'every folder of src/ has a place in LAYERS');
  let checked = 0;
  for (const file of sources(src)) {
    const from = path.relative(src, file).split(path.sep)[0]!;
    if (!LAYERS.includes(from)) continue;
    for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
      const target = path.relative(src, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
      const to = target.split('/')[0]!;
      checked++;
      if (!LAYERS.includes(to) || LAYERS.indexOf(to) <= LAYERS.indexOf(from)) continue;
      if (from === 'train' && TRAIN_MAY_USE.has(target)) continue;
      violations.push(`${path.relative(src, file)} imports ${target}`);
    }
  }
  assert.ok(checked > 500, `read ${checked} imports`);
  assert.deepEqual(violations, []);
});
