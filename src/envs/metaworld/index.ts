/**
 * Registers every Meta-World task (`tasks/index.ts`) under its original name (`reach-v2`, alias
 * `reach`), with its scripted expert (`policies/index.ts`), and the sets MT50, MT40 and CW10.
 */
import { registerSet, registerTask } from '../registry.ts';
import * as policyModules from './policies/index.ts';
import type { ScriptedPolicy } from './policy.ts';
import { CW10, MT40, MT50 } from './sets.ts';
import { makeSawyerEnv, type MetaWorldTask } from './task.ts';
import * as taskModules from './tasks/index.ts';

export const metaworldTasks: ReadonlyMap<string, MetaWorldTask> = new Map(
  Object.values(taskModules as Record<string, MetaWorldTask>).map((t) => [t.name, t]),
);
export const scriptedPolicies: ReadonlyMap<string, ScriptedPolicy> = new Map(
  Object.values(policyModules as Record<string, ScriptedPolicy>).map((p) => [p.task, p]),
);

for (const task of metaworldTasks.values()) {
  if (!(MT50 as readonly string[]).includes(task.name)) throw new Error(`Meta-World task '${task.name}' is not one of the MT50 names`);
  const policy = scriptedPolicies.get(task.name);
  registerTask({
    name: task.name,
    domain: 'metaworld',
    aliases: [task.name.replace(/-v2$/, '')],
    make: (opts) => makeSawyerEnv(task, opts),
    ...(policy ? { scriptedPolicy: () => policy } : {}),
  });
}
for (const name of scriptedPolicies.keys()) {
  if (!metaworldTasks.has(name)) throw new Error(`scripted policy for '${name}' has no task in tasks/index.ts`);
}

registerSet('MT50', [...MT50]);
registerSet('MT40', [...MT40]);
registerSet('CW10', [...CW10]);
