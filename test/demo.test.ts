import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_DEFAULTS, runDemo, type DemoOptions } from '../src/cli/demo-pipeline.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';

test('the demo pipeline on tiny settings: collects, trains, evaluates, writes its files, reuses its data', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-demo-'));
  try {
    const o: DemoOptions = { ...DEMO_DEFAULTS, tasks: ['drawer-open-v2'], episodes: 2, updates: 4, evalEpisodes: 1, dataDir: path.join(tmp, 'data'), outDir: path.join(tmp, 'runs') };
    const stages: string[] = [];
    const { result, files } = await runDemo(o, { onStage: (s) => stages.push(s) });
    assert.match(stages[0]!, /collecting 2 scripted-expert episodes \(noise schedule 'noisy-expert', executed actions stored\)/);
    assert.equal(result.updates, 4);
    for (const f of ['loss.svg', 'results.md', 'scores.svg']) assert.ok(files.includes(path.join(tmp, 'runs', 'demo', f)), f);
    assert.match(fs.readFileSync(path.join(tmp, 'runs', 'demo', 'results.md'), 'utf8'), /drawer-open-v2/);
    // The demo trains with the small-model settings, and the checkpoint carries the state statistics.
    const loaded = loadDecisionTransformer(path.join(tmp, 'runs', 'demo'));
    loaded.model.dispose();
    assert.equal(loaded.config.actionPositionEmbedding, true);
    assert.ok(loaded.stateNorm?.stats.metaworld);

    const again: string[] = [];
    await runDemo({ ...o, fresh: true }, { onStage: (s) => again.push(s) });
    assert.match(again[0]!, /using the datasets in/);
    await assert.rejects(runDemo({ ...o, noiseSchedule: 'expert' }), /collected with another noise schedule than 'expert'/);
    await assert.rejects(runDemo({ ...o, labels: 'expert' }), /stores executed actions, not expert ones \(--labels\)/);
    await assert.rejects(runDemo({ ...o, updates: 5 }), /holds a run with other settings: pass --fresh/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
