#!/usr/bin/env node
// Runs the type checker, then every test/**/*.test.ts under Node's test runner (through tsx).
// Arguments narrow the run to test files whose path contains one of them: `npm test -- torch`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function find(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...find(full));
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out.sort();
}

const files = find(path.join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (filters.length === 0) {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], { stdio: 'inherit', cwd: root });
  if (tsc.status !== 0) {
    console.error('type check failed');
    process.exit(tsc.status || 1);
  }
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
