"""The Stable-Baselines3 backend: PPO, A2C, SAC, TD3 and DDPG (+ HER) through ``model.learn()``.

torch and SB3 are imported inside the methods: this module is loaded with the plugin.
"""

from __future__ import annotations

from typing import Any, ClassVar

from genelab.rl import Backend, GenelabError, PlayContext, Policy, TrainContext, transition_bytes

from genelab_backend_sb3.config import Sb3AgentCfg


class Sb3Backend(Backend):
    """Trains :class:`Sb3AgentCfg` agents; checkpoints are ``checkpoints/model_<env_steps>.zip``.

    Single process only (``distributed`` is false, so the dispatcher refuses a torchrun
    launch): SB3 has no distributed training.
    """

    name: ClassVar[str] = "sb3"
    config_type: ClassVar[type[Sb3AgentCfg]] = Sb3AgentCfg
    algorithms: ClassVar[tuple[str, ...]] = ("PPO", "A2C", "SAC", "TD3", "DDPG")
    checkpoint_pattern: ClassVar[str] = r"model_(\d+)\.zip"
    distributed: ClassVar[bool] = False

    def validate(self, agent_cfg: Sb3AgentCfg, env: Any) -> None:
        """Check budget, batch and buffer sizes and HER against the built env."""
        if agent_cfg.algorithm not in self.algorithms:
            raise GenelabError(f"agent.algorithm must be one of {', '.join(self.algorithms)} "
                               f"(got {agent_cfg.algorithm})")
        if agent_cfg.on_policy:
            _validate_on_policy(agent_cfg, env.num_envs)
        else:
            _validate_off_policy(agent_cfg, env.num_envs)
        _validate_her(agent_cfg, env)

    def memory_bytes(self, agent_cfg: Sb3AgentCfg, num_envs: int, obs_dims: dict[str, int],
                     action_dim: int) -> int:
        """One rollout (PPO, A2C) or a replay buffer of ``buffer_size`` transitions."""
        if agent_cfg.on_policy:
            return super().memory_bytes(agent_cfg, num_envs, obs_dims, action_dim)
        return (agent_cfg.hyperparameters.buffer_size
                * transition_bytes(obs_dims, action_dim, next_obs=True))

    def train(self, ctx: TrainContext) -> None:
        """Train in ``ctx.run_dir`` (resuming from ``ctx.resume_from`` when set)."""
        from genelab_backend_sb3.checkpoints import (
            check_policy,
            check_spaces,
            continue_from_env,
            load_checkpoint,
            restore,
            restore_replay_buffer,
        )
        from genelab_backend_sb3.models import build_model, training_env
        from genelab_backend_sb3.trainer import Counters, Sb3Trainer

        cfg = ctx.agent_cfg
        assert isinstance(cfg, Sb3AgentCfg)
        venv = training_env(cfg, ctx.env)
        checkpoint = None
        if ctx.resume_from is not None:
            checkpoint = load_checkpoint(ctx.resume_from, ctx.device)
            check_spaces(checkpoint, venv, algorithm=cfg.algorithm,
                         normalized=cfg.observation_normalization, task_id=ctx.task_id)
        model = build_model(cfg, venv, ctx.device)  # seeds SB3's generators
        counters = Counters()
        if checkpoint is not None:
            check_policy(model, checkpoint, ctx.task_id)
            restore(model, checkpoint, training=True)
            counters = Counters(checkpoint.meta["iteration"], checkpoint.meta["wall_time"])
            if not cfg.on_policy and not restore_replay_buffer(model, ctx.resume_from):
                model.learning_starts += model.num_timesteps  # warm up the empty buffer again
            ctx.restore_snapshot(checkpoint.state.get("snapshot"))
            continue_from_env(model)
        trainer = Sb3Trainer(model, algorithm=cfg.algorithm,
                             steps_per_iteration=cfg.steps_per_iteration,
                             save_interval=cfg.save_interval, run_dir=ctx.run_dir,
                             metrics=ctx.metrics, wall_time=ctx.wall_time, progress=ctx.progress,
                             counters=counters, snapshot=ctx.snapshot)
        trainer.train(cfg.max_iterations)

    def inference_policy(self, ctx: PlayContext) -> Policy:
        """The checkpoint's policy, deterministic by default."""
        from genelab_backend_sb3.checkpoints import (
            check_policy,
            check_spaces,
            load_checkpoint,
            restore,
        )
        from genelab_backend_sb3.inference import ObservationNormalizer, Sb3Policy
        from genelab_backend_sb3.models import build_model
        from genelab_backend_sb3.vec_env import GenelabSb3VecEnv

        cfg = ctx.agent_cfg
        assert isinstance(cfg, Sb3AgentCfg)
        checkpoint = load_checkpoint(ctx.checkpoint, ctx.device)
        venv = GenelabSb3VecEnv(ctx.env)
        check_spaces(checkpoint, venv, algorithm=cfg.algorithm,
                     normalized=cfg.observation_normalization, task_id=ctx.task_id)
        model = build_model(cfg, venv, ctx.device, training=False)
        check_policy(model, checkpoint, ctx.task_id)
        restore(model, checkpoint, training=False)
        saved = checkpoint.state.get("normalizer")
        normalizer = None if saved is None else ObservationNormalizer(saved, ctx.device)
        space = venv.action_space
        return Sb3Policy(model.policy, space.low, space.high, goal_task=venv.goal_task,
                         normalizer=normalizer, deterministic=ctx.deterministic)


def _validate_on_policy(cfg: Sb3AgentCfg, num_envs: int) -> None:
    steps = cfg.steps_per_iteration
    rollout = steps * num_envs
    if rollout < 2:
        raise GenelabError(f"a rollout of {num_envs} env x {steps} step is too short for "
                           f"{cfg.algorithm}; raise agent.steps_per_iteration")
    if cfg.algorithm == "PPO":
        batch = cfg.ppo.batch_size
        if batch < 2 or batch > rollout or rollout % batch:
            raise GenelabError(
                f"agent.ppo.batch_size ({batch}) must be at least 2 and divide a rollout of "
                f"{num_envs} envs x {steps} steps = {rollout} samples; change "
                "agent.ppo.batch_size, agent.steps_per_iteration or --num-envs")


def _validate_off_policy(cfg: Sb3AgentCfg, num_envs: int) -> None:
    hyper, key = cfg.hyperparameters, f"agent.{cfg.algorithm.lower()}"
    if hyper.buffer_size < num_envs:
        raise GenelabError(f"{key}.buffer_size ({hyper.buffer_size}) must hold at least one "
                           f"step of all {num_envs} envs")
    capacity = hyper.buffer_size // num_envs * num_envs
    if hyper.batch_size > capacity:
        raise GenelabError(f"{key}.batch_size ({hyper.batch_size}) must be between 1 and the "
                           f"replay capacity of {capacity} transitions ({key}.buffer_size)")


def _validate_her(cfg: Sb3AgentCfg, env: Any) -> None:
    if not cfg.her.enabled:
        return
    if cfg.on_policy:
        raise GenelabError(f"HER replays transitions, so it needs an off-policy algorithm "
                           f"(SAC, TD3 or DDPG), not {cfg.algorithm}; drop --agent.her.enabled")
    if not env.is_goal_task:
        raise GenelabError("HER needs a goal task (observation groups achieved_goal and "
                           "desired_goal and an env.goal_reward); drop --agent.her.enabled")
    hyper, key = cfg.hyperparameters, f"agent.{cfg.algorithm.lower()}"
    episode = env.max_episode_length * env.num_envs
    if hyper.learning_starts < episode:
        raise GenelabError(
            f"HER samples from finished episodes, so {key}.learning_starts must cover one "
            f"episode of every env: >= {episode} ({env.max_episode_length} steps x "
            f"{env.num_envs} envs), got {hyper.learning_starts}")
    if hyper.buffer_size // env.num_envs < env.max_episode_length:
        raise GenelabError(
            f"HER relabels within whole episodes, so the replay buffer must hold one "
            f"episode of every env: {key}.buffer_size >= {episode} "
            f"({env.max_episode_length} steps x {env.num_envs} envs), got {hyper.buffer_size}")
