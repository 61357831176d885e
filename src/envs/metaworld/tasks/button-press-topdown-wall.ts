/**
 * button-press-topdown-wall-v2: button-press-topdown with a low wall in front of the button. Bounds,
 * reset and the v2 reward are those of button-press-topdown; only the scene differs.
 *
 * Upstream's expert for this task keeps the gripper open and presses 6 cm short of the button, so this
 * reward (tcp_closed = 1 - obs[3] = 0, tcp_to_obj > 0.03) pays it about 0 while it succeeds: upstream
 * does the same (issue #481). Upstream's v3 file switched to max(obs[3], 0) in July 2025 (PR #548);
 * this keeps the v2 reward L2M's data and target returns were made with (docs/metaworld-experts.md).
 */
import { SawyerButtonBoxEnv } from '../families/button.ts';
import { defineTask } from '../task.ts';
import { topdownButton } from './button-press-topdown.ts';

export default defineTask({
  name: 'button-press-topdown-wall-v2',
  scene: 'sawyer_button_press_topdown_wall.xml',
  Env: SawyerButtonBoxEnv,
  variant: topdownButton,
});
