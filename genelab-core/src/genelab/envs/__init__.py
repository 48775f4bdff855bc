"""Manager-based RL environments: batched tensors, auto-reset, term functions.

Build one from a :class:`ManagerBasedRlEnvCfg` (usually ``TASKS.get(id).env``)::

    env = ManagerBasedRlEnv(cfg, device="cpu")
    obs, extras = env.reset()
    obs, reward, terminated, truncated, extras = env.step(action)
"""

from genelab.envs.action_manager import ActionTermCfg
from genelab.envs.bridge import Bridge, StepResult
from genelab.envs.command_manager import CommandTermCfg
from genelab.envs.env_cfg import ManagerBasedRlEnvCfg
from genelab.envs.event_manager import EventTermCfg
from genelab.envs.manager_base import TermCfg
from genelab.envs.observation_manager import ObservationGroupCfg, ObservationTermCfg
from genelab.envs.reward_manager import RewardTermCfg
from genelab.envs.rl_env import ManagerBasedRlEnv
from genelab.envs.termination_manager import TerminationTermCfg
from genelab.envs.video import VideoRecorder

__all__ = [
    "ActionTermCfg",
    "Bridge",
    "CommandTermCfg",
    "EventTermCfg",
    "ManagerBasedRlEnv",
    "ManagerBasedRlEnvCfg",
    "ObservationGroupCfg",
    "ObservationTermCfg",
    "RewardTermCfg",
    "StepResult",
    "TermCfg",
    "TerminationTermCfg",
    "VideoRecorder",
]
