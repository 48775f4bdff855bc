"""The config of a :class:`~genelab.envs.ManagerBasedRlEnv`."""

from __future__ import annotations

from dataclasses import dataclass, field

from genelab.constraints import PositiveFloat, PositiveInt, Seed
from genelab.envs.action_manager import ActionTermCfg
from genelab.envs.command_manager import CommandTermCfg
from genelab.envs.event_manager import EventTermCfg
from genelab.envs.manager_base import TermCfg
from genelab.envs.observation_manager import ObservationGroupCfg
from genelab.envs.reward_manager import RewardTermCfg
from genelab.envs.termination_manager import TerminationTermCfg
from genelab.sim.engine import SimulationCfg


@dataclass
class ManagerBasedRlEnvCfg:
    """Everything a manager-based RL env is made of.

    Term collections are ``dict[name, TermCfg]`` so dotted overrides reach every term:
    ``--env.rewards.alive.weight 2.0``, ``--env.observations.policy.terms.x.scale 0.5``.

    Attributes:
        sim: Physics (``sim.dt``, the dynamics model, rendering).
        num_envs: Batch size.
        seed: Seeds the env's ``torch.Generator`` (all env randomness); ``None`` draws one.
        decimation: Physics steps per env step (``step_dt = sim.dt * decimation``).
        episode_length_s: Time limit; the time-out termination term truncates there.
        actions: Action terms, concatenated in order into the simulation's controls.
        observations: Observation groups (``policy``, optional ``critic``; goal tasks add
            ``achieved_goal`` and ``desired_goal``).
        rewards, terminations, events, commands: Term collections.
        goal_reward: For goal tasks: ``func(achieved_goal, desired_goal, **params)``
            returning the ``(batch,)`` reward, behind :meth:`ManagerBasedRlEnv.compute_reward`.
        goal_success: For goal tasks: ``func(achieved_goal, desired_goal, **params)``
            returning a ``(batch,)`` bool tensor, behind :meth:`ManagerBasedRlEnv.is_success`
            (the success rate that backends report).
    """

    sim: SimulationCfg
    num_envs: PositiveInt = 64
    seed: Seed | None = None
    decimation: PositiveInt = 1
    episode_length_s: PositiveFloat = 5.0
    actions: dict[str, ActionTermCfg] = field(default_factory=dict)
    observations: dict[str, ObservationGroupCfg] = field(default_factory=dict)
    rewards: dict[str, RewardTermCfg] = field(default_factory=dict)
    terminations: dict[str, TerminationTermCfg] = field(default_factory=dict)
    events: dict[str, EventTermCfg] = field(default_factory=dict)
    commands: dict[str, CommandTermCfg] = field(default_factory=dict)
    goal_reward: TermCfg | None = None
    goal_success: TermCfg | None = None
