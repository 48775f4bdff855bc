"""The skrl backend: PPO, A2C, SAC, TD3 and DDPG through skrl's agents.

torch and skrl are imported inside the methods: this module is loaded with the plugin.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, ClassVar

from genelab.rl import Backend, GenelabError, PlayContext, Policy, TrainContext, transition_bytes

from genelab_backend_skrl.config import SkrlAgentCfg

#: The checkpoint modules trained playback needs.
_PLAYBACK_MODULES = ("policy", "observation_preprocessor")


@contextlib.contextmanager
def _quiet_skrl() -> Iterator[None]:
    """Silence skrl's logger (info and warnings) while the backend drives it."""
    skrl_logger = logging.getLogger("skrl")
    level = skrl_logger.level
    skrl_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        skrl_logger.setLevel(level)


class SkrlBackend(Backend):
    """Trains :class:`SkrlAgentCfg` agents; checkpoints are ``checkpoints/agent_<timestep>.pt``.

    Multi-process training (``genelab train --gpus N``) is skrl's own distributed mode
    (:mod:`genelab_backend_skrl.distributed`): one CUDA device per process over NCCL, or
    CPU processes over gloo; gradients are all-reduced, rank 0 alone writes events and
    checkpoints, and the ranks' final agents are checked to be identical.
    """

    name: ClassVar[str] = "skrl"
    config_type: ClassVar[type[SkrlAgentCfg]] = SkrlAgentCfg
    algorithms: ClassVar[tuple[str, ...]] = ("PPO", "A2C", "SAC", "TD3", "DDPG")
    checkpoint_pattern: ClassVar[str] = r"agent_(\d+)\.pt"
    distributed: ClassVar[bool] = True

    def validate(self, agent_cfg: SkrlAgentCfg, env: Any) -> None:
        """Check budget, memory and batch sizes and the spaces against the built env."""
        if agent_cfg.algorithm not in self.algorithms:
            raise GenelabError(f"agent.algorithm must be one of {', '.join(self.algorithms)} "
                               f"(got {agent_cfg.algorithm})")
        if "policy" not in env.observation_dims:
            raise GenelabError("the skrl backend needs a 'policy' observation group")
        if agent_cfg.on_policy:
            self._validate_on_policy(agent_cfg, env.num_envs)
        else:
            self._validate_off_policy(agent_cfg, env.num_envs)

    @staticmethod
    def _validate_on_policy(cfg: SkrlAgentCfg, num_envs: int) -> None:
        steps, algo = cfg.steps_per_iteration, cfg.algorithm
        if cfg.memory_size != steps:
            raise GenelabError(
                f"{algo} learns from one rollout per iteration, so agent.memory.memory_size "
                f"must equal agent.steps_per_iteration ({steps}), got {cfg.memory_size}; "
                "unset it (--agent.memory.memory_size none)")
        batches = cfg.hyperparameters.mini_batches
        samples = num_envs * steps
        if samples % batches:
            raise GenelabError(
                f"a rollout of {num_envs} envs x {steps} steps = {samples} samples cannot be "
                f"split into {batches} equal mini-batches; change "
                f"agent.{algo.lower()}.mini_batches, agent.steps_per_iteration or --num-envs")

    @staticmethod
    def _validate_off_policy(cfg: SkrlAgentCfg, num_envs: int) -> None:
        hyper, key = cfg.hyperparameters, f"agent.{cfg.algorithm.lower()}"
        capacity = cfg.memory_size * num_envs
        if hyper.batch_size > capacity:
            raise GenelabError(
                f"{key}.batch_size ({hyper.batch_size}) must be between 1 and the replay "
                f"capacity of {capacity} transitions (agent.memory.memory_size x num_envs)")

    def memory_bytes(self, agent_cfg: SkrlAgentCfg, num_envs: int, obs_dims: dict[str, int],
                     action_dim: int) -> int:
        """One rollout (PPO, A2C) or the replay memory of ``memory_size`` rows of every env."""
        if agent_cfg.on_policy:
            return super().memory_bytes(agent_cfg, num_envs, obs_dims, action_dim)
        return (agent_cfg.memory_size * num_envs
                * transition_bytes(obs_dims, action_dim, next_obs=True))

    def train(self, ctx: TrainContext) -> None:
        """Train in ``ctx.run_dir`` (resuming from ``ctx.resume_from`` when set); on several
        processes in skrl's distributed mode, checking that all ranks end alike."""
        if ctx.world_size == 1:
            self._train(ctx)
            return
        from genelab_backend_skrl.distributed import skrl_distributed

        with skrl_distributed(ctx.rank, ctx.world_size, ctx.device):
            # skrl is imported only in here (it would open its own NCCL group outside)
            from genelab_backend_skrl.checkpoints import learner_state

            agent = self._train(ctx)
            ctx.check_ranks_agree(learner_state(agent), "the skrl agent")

    @staticmethod
    def _train(ctx: TrainContext) -> Any:
        from genelab_backend_skrl.agents import build_agent, schema_name
        from genelab_backend_skrl.checkpoints import (
            check_compatible,
            load_checkpoint,
            restore,
            restore_memory,
        )
        from genelab_backend_skrl.trainer import GenelabSkrlTrainer
        from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

        cfg = ctx.agent_cfg
        assert isinstance(cfg, SkrlAgentCfg)
        with _quiet_skrl():
            env = GenelabSkrlWrapper(ctx.env)
            agent = build_agent(cfg, env, ctx.device,
                                writer=ctx.metrics.library_writer(schema_name))
            trainer = GenelabSkrlTrainer(
                env, agent, algorithm=cfg.algorithm, steps_per_iteration=cfg.steps_per_iteration,
                save_interval=cfg.save_interval, run_dir=ctx.run_dir, progress=ctx.progress,
                snapshot=ctx.snapshot, wall_time=ctx.wall_time, rank=ctx.rank,
                world_size=ctx.world_size)
            if ctx.resume_from is not None:
                state = load_checkpoint(ctx.resume_from, ctx.device)
                check_compatible(agent, state, algorithm=cfg.algorithm, task_id=ctx.task_id,
                                 checkpoint=ctx.resume_from)
                restore(agent, state)
                meta = state["genelab"]
                if not cfg.on_policy and not restore_memory(agent.memory, ctx.resume_from):
                    agent.cfg.learning_starts += meta["timestep"]  # warm up the empty memory
                ctx.restore_snapshot(meta.get("snapshot"))
                trainer.resume(meta)
            trainer.train(cfg.max_iterations)
        return agent

    def inference_policy(self, ctx: PlayContext) -> Policy:
        """The checkpoint's policy (with its observation normalizer), deterministic by default."""
        from genelab_backend_skrl.agents import build_agent
        from genelab_backend_skrl.checkpoints import check_compatible, load_checkpoint, restore
        from genelab_backend_skrl.inference import SkrlPolicy
        from genelab_backend_skrl.wrapper import GenelabSkrlWrapper

        cfg = ctx.agent_cfg
        assert isinstance(cfg, SkrlAgentCfg)
        state = load_checkpoint(ctx.checkpoint, ctx.device)
        with _quiet_skrl():
            agent = build_agent(cfg, GenelabSkrlWrapper(ctx.env), ctx.device, training=False)
        names = [n for n in _PLAYBACK_MODULES if n in agent.checkpoint_modules]
        check_compatible(agent, state, algorithm=cfg.algorithm, task_id=ctx.task_id,
                         checkpoint=ctx.checkpoint, names=names)
        restore(agent, state, names)
        return SkrlPolicy(agent, deterministic=ctx.deterministic)
