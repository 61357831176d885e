/** Scripted expert for stick-push-v2 (upstream SawyerStickPushV2Policy). */
import { stickPolicy } from '../families/stick-policy.ts';

export default stickPolicy('stick-push-v2', { stickOffset: [0.015, 0, 0.03], goalOffset: [0, 0, 0.132], gain: 10 });
