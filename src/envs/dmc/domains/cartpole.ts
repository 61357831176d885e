/** Cartpole (dm_control/suite/cartpole.py): balance and swing-up with the smooth reward, one pole. */
import type { DmcPhysics } from '../physics.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec, ResetRng } from '../task.ts';

function bindCartpole(physics: DmcPhysics, swingUp: boolean): BoundTask {
  const slider = physics.qposAdr('slider');
  const hinge = physics.qposAdr('hinge_1');
  const firstPole = physics.id('body', 'pole_1');
  const nbody: number = physics.model.nbody;
  const nv = physics.nv;

  const cartPosition = (): number => physics.views().qpos[slider];
  return {
    initializeEpisode(rng: ResetRng): void {
      const { qpos, qvel } = physics.views();
      if (swingUp) {
        qpos[slider] = 0.01 * rng.normal();
        qpos[hinge] = Math.PI + 0.01 * rng.normal();
        for (let i = 2; i < nv; i++) qpos[i] = 0.1 * rng.normal();
      } else {
        qpos[slider] = rng.uniform(-0.1, 0.1);
        for (let i = 1; i < nv; i++) qpos[i] = rng.uniform(-0.034, 0.034);
      }
      for (let i = 0; i < nv; i++) qvel[i] = 0.01 * rng.normal();
    },
    observation() {
      const { xmat, qvel } = physics.views();
      const position = [cartPosition()];
      for (let b = firstPole; b < nbody; b++) position.push(xmat[9 * b + 8], xmat[9 * b + 2]);
      return { position: Float64Array.from(position), velocity: Float64Array.from(qvel) };
    },
    reward(): number {
      const { xmat, qvel, ctrl } = physics.views();
      let upright = 0;
      for (let b = firstPole; b < nbody; b++) upright += (xmat[9 * b + 8] + 1) / 2;
      upright /= nbody - firstPole;
      const centered = (1 + tolerance(cartPosition(), { margin: 2 })) / 2;
      const smallControl = (4 + tolerance(ctrl[0], { margin: 1, valueAtMargin: 0, sigmoid: 'quadratic' })) / 5;
      let minVelocityTerm = Infinity;
      for (let i = 1; i < nv; i++) minVelocityTerm = Math.min(minVelocityTerm, tolerance(qvel[i], { margin: 5 }));
      const smallVelocity = (1 + minVelocityTerm) / 2;
      return upright * smallControl * smallVelocity * centered;
    },
  };
}

export const cartpoleBalance: DmcTaskSpec = {
  name: 'cartpole-balance',
  xml: 'cartpole.xml',
  timeLimit: 10,
  bind: (physics) => bindCartpole(physics, false),
};

export const cartpoleSwingup: DmcTaskSpec = {
  name: 'cartpole-swingup',
  xml: 'cartpole.xml',
  timeLimit: 10,
  bind: (physics) => bindCartpole(physics, true),
};
