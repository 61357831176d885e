/** Scripted expert for stick-pull-v2 (upstream SawyerStickPullV2Policy). */
import { stickPolicy } from '../families/stick-policy.ts';

export default stickPolicy('stick-pull-v2', { stickOffset: [-0.015, 0, 0.03], thermosOffset: [-0.015, 0, 0.03], goalOffset: [-0.05, 0, 0], gain: 25 });
