"""The rsl_rl backend: PPO through rsl-rl-lib's ``OnPolicyRunner``.

torch and rsl_rl are imported inside the methods: this module is loaded with the plugin.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from genelab.rl import Backend, GenelabError, PlayContext, Policy, TrainContext

from genelab_backend_rslrl.config import RslRlOnPolicyRunnerCfg


class RslRlBackend(Backend):
    """Trains :class:`RslRlOnPolicyRunnerCfg` agents; checkpoints are ``model_<it>.pt``.

    Multi-process training (``genelab train --gpus N``, ``WORLD_SIZE`` > 1) is rsl_rl's
    multi-GPU mode: one CUDA device per process over NCCL, or CPU processes over gloo;
    rank 0 alone writes TensorBoard events and checkpoints, and the ranks' final actor,
    critic and optimizer are checked to be identical.
    """

    name: ClassVar[str] = "rsl_rl"
    config_type: ClassVar[type[RslRlOnPolicyRunnerCfg]] = RslRlOnPolicyRunnerCfg
    algorithms: ClassVar[tuple[str, ...]] = ("PPO",)
    checkpoint_pattern: ClassVar[str] = r"model_(\d+)\.pt"
    distributed: ClassVar[bool] = True

    def validate(self, agent_cfg: RslRlOnPolicyRunnerCfg, env: Any) -> None:
        """Check observation groups, rollout sizing, devices and clipping against the env."""
        agent_cfg.resolve_obs_groups(env.observation_dims)
        steps = agent_cfg.steps_per_iteration
        batches = agent_cfg.algorithm.num_mini_batches
        if env.num_envs * steps < batches:
            raise GenelabError(
                f"a rollout of {env.num_envs} envs x {steps} steps cannot be split into "
                f"{batches} mini-batches; raise --num-envs or agent.steps_per_iteration, "
                "or lower agent.algorithm.num_mini_batches"
            )
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        wanted = f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
        if world_size > 1 and env.device.type == "cuda" and str(env.device) != wanted:
            raise GenelabError(
                f"rsl_rl trains on {world_size} processes with one GPU each: this rank "
                f"needs device {wanted}, got {env.device}"
            )

    def train(self, ctx: TrainContext) -> None:
        """Train in ``ctx.run_dir`` (resuming from ``ctx.resume_from`` when set)."""
        from genelab_backend_rslrl.inference import check_compatible, load_checkpoint
        from genelab_backend_rslrl.runner import GenelabOnPolicyRunner, schema_name
        from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper

        cfg = ctx.agent_cfg
        assert isinstance(cfg, RslRlOnPolicyRunnerCfg)
        env = RslRlVecEnvWrapper(ctx.env, clip_actions=cfg.clip_actions)
        runner = GenelabOnPolicyRunner(env, cfg.to_rsl_rl_dict(env.observation_groups),
                                       log_dir=str(ctx.run_dir), device=ctx.device,
                                       writer=ctx.metrics.library_writer(schema_name),
                                       progress=ctx.progress, snapshot=ctx.snapshot,
                                       wall_time=ctx.wall_time)
        try:
            env_restored = False  # a resumed env keeps its restored episode lengths
            if ctx.resume_from is not None:
                state = load_checkpoint(ctx.resume_from, ctx.device)
                for role in ("actor", "critic"):
                    check_compatible(getattr(runner.alg, role), state[f"{role}_state_dict"],
                                     role=role, groups=runner.cfg["obs_groups"][role],
                                     num_actions=env.num_actions, task_id=ctx.task_id,
                                     checkpoint=ctx.resume_from)
                runner.resume(state)
                env_restored = ctx.restore_snapshot((state.get("genelab") or {}).get("snapshot"))
            runner.learn(cfg.max_iterations,
                         init_at_random_ep_len=cfg.init_at_random_ep_len and not env_restored)
            ctx.check_ranks_agree(runner.alg.save(), "the rsl_rl learner")
        finally:
            runner.close()

    def inference_policy(self, ctx: PlayContext) -> Policy:
        """The checkpoint's actor (with its normalizer) as a deterministic-by-default policy."""
        from genelab_backend_rslrl.inference import (
            RslRlPolicy,
            check_compatible,
            load_checkpoint,
        )
        from genelab_backend_rslrl.runner import GenelabOnPolicyRunner
        from genelab_backend_rslrl.wrapper import RslRlVecEnvWrapper

        cfg = ctx.agent_cfg
        assert isinstance(cfg, RslRlOnPolicyRunnerCfg)
        state = load_checkpoint(ctx.checkpoint, ctx.device)
        env = RslRlVecEnvWrapper(ctx.env, clip_actions=cfg.clip_actions)
        runner = GenelabOnPolicyRunner(env, cfg.to_rsl_rl_dict(env.observation_groups),
                                       log_dir=None, device=ctx.device)
        check_compatible(runner.alg.actor, state["actor_state_dict"], role="actor",
                         groups=runner.cfg["obs_groups"]["actor"],
                         num_actions=env.num_actions, task_id=ctx.task_id,
                         checkpoint=ctx.checkpoint)
        runner.alg.load(state, {"actor": True}, strict=True)
        return RslRlPolicy(runner.get_inference_policy(ctx.device), cfg.clip_actions,
                           deterministic=ctx.deterministic)
