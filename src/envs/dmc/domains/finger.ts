/**
 * Finger (dm_control/suite/finger.py): spin the hinged body, or turn its tip into a target.
 * All observations come from sensors. Episodes start from random collision-free joint angles.
 */
import type { DmcPhysics } from '../physics.ts';
import { randomizeLimitedAndRotationalJoints } from '../randomizers.ts';
import type { BoundTask, DmcTaskSpec, ResetRng } from '../task.ts';

const CONTROL_TIMESTEP = 0.02;
const TIME_LIMIT = 20;
const EASY_TARGET_SIZE = 0.07;
const HARD_TARGET_SIZE = 0.03;
/** Spinning faster than this (rad/s, clockwise) earns the spin reward. */
const SPIN_VELOCITY = 15.0;
const MAX_ATTEMPTS = 1000;

function fingerSensors(physics: DmcPhysics) {
  const s = (name: string): number => physics.sensorAdr(name);
  const adr = {
    proximal: s('proximal'), distal: s('distal'),
    proximalVelocity: s('proximal_velocity'), distalVelocity: s('distal_velocity'), hingeVelocity: s('hinge_velocity'),
    tip: s('tip'), target: s('target'), spinner: s('spinner'), touchtop: s('touchtop'), touchbottom: s('touchbottom'),
  };
  const targetSite = physics.id('site', 'target');
  const tipPosition = (sd: Float64Array): [number, number] => [sd[adr.tip] - sd[adr.spinner], sd[adr.tip + 2] - sd[adr.spinner + 2]];
  const targetPosition = (sd: Float64Array): [number, number] => [sd[adr.target] - sd[adr.spinner], sd[adr.target + 2] - sd[adr.spinner + 2]];
  return {
    hingeVelocity: (): number => physics.views().sensordata[adr.hingeVelocity],
    distToTarget(): number {
      const { sensordata, site_size } = physics.views();
      const tip = tipPosition(sensordata);
      const tgt = targetPosition(sensordata);
      const dx = tgt[0] - tip[0];
      const dz = tgt[1] - tip[1];
      return Math.sqrt(dx * dx + dz * dz) - site_size[3 * targetSite];
    },
    observation(withTarget: boolean) {
      const sd = physics.views().sensordata;
      const parts: Record<string, Float64Array> = {
        position: Float64Array.of(sd[adr.proximal], sd[adr.distal], ...tipPosition(sd)),
        velocity: Float64Array.of(sd[adr.proximalVelocity], sd[adr.distalVelocity], sd[adr.hingeVelocity]),
        touch: Float64Array.of(Math.log1p(sd[adr.touchtop]), Math.log1p(sd[adr.touchbottom])),
      };
      if (withTarget) {
        parts.target_position = Float64Array.from(targetPosition(sd));
        parts.dist_to_target = Float64Array.of(this.distToTarget());
      }
      return parts;
    },
  };
}

/** Random joint angles, redrawn until the finger does not touch the spinner. */
function setRandomJointAngles(physics: DmcPhysics, rng: ResetRng): void {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    randomizeLimitedAndRotationalJoints(physics, rng);
    physics.afterReset();
    if (physics.ncon === 0) return;
  }
  throw new Error(`finger: could not find a collision-free state after ${MAX_ATTEMPTS} attempts`);
}

function bindSpin(physics: DmcPhysics): BoundTask {
  const sensors = fingerSensors(physics);
  const targetSite = physics.id('site', 'target');
  const tipSite = physics.id('site', 'tip');
  const hingeDof = physics.dofAdr('hinge');
  return {
    initializeEpisode(rng) {
      const { site_rgba, dof_damping } = physics.views();
      site_rgba[4 * targetSite + 3] = 0;
      site_rgba[4 * tipSite + 3] = 0;
      dof_damping[hingeDof] = 0.03;
      setRandomJointAngles(physics, rng);
    },
    observation: () => sensors.observation(false),
    reward: () => (sensors.hingeVelocity() <= -SPIN_VELOCITY ? 1 : 0),
  };
}

function bindTurn(physics: DmcPhysics, targetRadius: number): BoundTask {
  const sensors = fingerSensors(physics);
  const targetSite = physics.id('site', 'target');
  const hingeJoint = physics.id('joint', 'hinge');
  const cap1 = physics.id('geom', 'cap1');
  return {
    initializeEpisode(rng) {
      const targetAngle = rng.uniform(-Math.PI, Math.PI);
      const { xanchor, geom_size, site_pos, site_size } = physics.views();
      const hingeX = xanchor[3 * hingeJoint];
      const hingeZ = xanchor[3 * hingeJoint + 2];
      const radius = geom_size[3 * cap1] + geom_size[3 * cap1 + 1] + geom_size[3 * cap1 + 2];
      site_pos[3 * targetSite] = hingeX + radius * Math.sin(targetAngle);
      site_pos[3 * targetSite + 2] = hingeZ + radius * Math.cos(targetAngle);
      site_size[3 * targetSite] = targetRadius;
      setRandomJointAngles(physics, rng);
    },
    observation: () => sensors.observation(true),
    reward: () => (sensors.distToTarget() <= 0 ? 1 : 0),
  };
}

export const fingerSpin: DmcTaskSpec = { name: 'finger-spin', xml: 'finger.xml', controlTimestep: CONTROL_TIMESTEP, timeLimit: TIME_LIMIT, bind: bindSpin };
export const fingerTurnEasy: DmcTaskSpec = {
  name: 'finger-turn_easy', xml: 'finger.xml', controlTimestep: CONTROL_TIMESTEP, timeLimit: TIME_LIMIT, bind: (p) => bindTurn(p, EASY_TARGET_SIZE),
};
export const fingerTurnHard: DmcTaskSpec = {
  name: 'finger-turn_hard', xml: 'finger.xml', controlTimestep: CONTROL_TIMESTEP, timeLimit: TIME_LIMIT, bind: (p) => bindTurn(p, HARD_TARGET_SIZE),
};
