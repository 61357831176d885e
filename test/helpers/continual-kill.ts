/**
 * A continual run killed by SIGKILL at a chosen point, for the resume tests. As a script:
 *
 *   node --import tsx test/helpers/continual-kill.ts <config JSON> <point> fresh|resume
 *
 * points: `update:U`, `retrain:P:K` (retraining update K of phase P), `begin:P` / `end:P` (a phase's
 * start or end), `keys:K` (update K of the pre-training keys' phase), `snapshot:P` (after phase P's
 * snapshot), `evalstep:U:S` (step S of the evaluation at update U; U = `retention` for retention).
 * The `probe` method (continual-probe.ts) is registered too.
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContinualConfig } from '../../src/train/continual-config.ts';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..', '..');

/** Runs `cfg` in a child process until `point`, where it kills itself; asserts that it died there. */
export function killContinualAt(cfg: ContinualConfig, point: string, resume: boolean): void {
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, JSON.stringify(cfg), point, resume ? 'resume' : 'fresh'], { cwd: root, encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', `${point}: ${child.stderr}`);
}

if (process.argv[1] === self) {
  const { parseContinualConfig } = await import('../../src/train/continual-config.ts');
  const { continual } = await import('../../src/train/continual.ts');
  await import('./continual-probe.ts');
  const cfg = parseContinualConfig(JSON.parse(process.argv[2]!));
  const [kind, a, b] = process.argv[3]!.split(':');
  const die = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  let evaluating = '';
  await continual(cfg, {
    resume: process.argv[4] === 'resume',
    hooks: {
      onUpdate: (u) => kind === 'update' && u === Number(a) && die(),
      onRetrainUpdate: (p, k) => kind === 'retrain' && p === Number(a) && k === Number(b) && die(),
      onPhase: (p, _t, what) => kind === what && p === Number(a) && die(),
      onKeysUpdate: (k) => kind === 'keys' && k === Number(a) && die(),
      onSnapshot: (p) => kind === 'snapshot' && p === Number(a) && die(),
      onEvalStart: (u, what) => {
        evaluating = what.includes('retention') ? 'retention' : String(u);
      },
      onEvalStep: (_d, step) => kind === 'evalstep' && evaluating === a && step === Number(b) && die(),
    },
  });
}
