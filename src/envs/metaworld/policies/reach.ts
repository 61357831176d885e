/** Scripted expert for reach-v2 (upstream SawyerReachV2Policy). */
import { defineScriptedPolicy, goalPos, handPos, move } from '../policy.ts';

export default defineScriptedPolicy('reach-v2', (obs) => [...move(handPos(obs), goalPos(obs), 5), 0]);
