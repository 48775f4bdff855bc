"""The CEM backend: a GeneLab ``Backend`` written against ``genelab.rl`` only.

torch is imported inside the methods: this module is loaded with the plugin.
"""

from __future__ import annotations

import collections
import statistics
from typing import Any, ClassVar

from genelab.rl import (
    Backend,
    GenelabError,
    IterationStats,
    PlayContext,
    Policy,
    TrainContext,
    check_io_sizes,
    save_checkpoint_file,
)

from genelab_backend_cem.config import CemCfg

#: The observation group the policy reads.
GROUP = "policy"
#: Finished episodes the reported mean return and length average over.
EPISODE_WINDOW = 100


def _mean(values: Any) -> float | None:
    return statistics.mean(values) if len(values) else None


class CemBackend(Backend):
    """Trains :class:`CemCfg` agents; checkpoints are ``cem_<iteration>.pt`` in the run dir."""

    name: ClassVar[str] = "cem"
    config_type: ClassVar[type[CemCfg]] = CemCfg
    algorithms: ClassVar[tuple[str, ...]] = ("CEM",)
    checkpoint_pattern: ClassVar[str] = r"cem_(\d+)\.pt"

    def validate(self, agent_cfg: CemCfg, env: Any) -> None:
        """The env count must split evenly over the population; the std floor must not
        exceed the initial std; the env must have a ``policy`` group."""
        if GROUP not in env.observation_dims:
            raise GenelabError(f"the CEM policy reads the '{GROUP}' observation group, but "
                               f"the env only has {', '.join(env.observation_dims)}")
        if env.num_envs % agent_cfg.population:
            raise GenelabError(
                f"{env.num_envs} envs cannot be split evenly over a CEM population of "
                f"{agent_cfg.population}: use a multiple of {agent_cfg.population} for "
                "--num-envs or set --agent.population to a divisor of it")
        if agent_cfg.min_std > agent_cfg.init_std:
            raise GenelabError(f"agent.min_std {agent_cfg.min_std} is above agent.init_std "
                               f"{agent_cfg.init_std}: lower min_std or raise init_std")

    def memory_bytes(self, agent_cfg: CemCfg, num_envs: int, obs_dims: dict[str, int],
                     action_dim: int) -> int:
        """No rollout is stored: the candidates, each env's copy of its weights, a few
        per-env buffers (float32)."""
        params = obs_dims.get(GROUP, 0) * action_dim + action_dim
        return 4 * ((agent_cfg.population + 2) * params + num_envs * (params + 4))

    def train(self, ctx: TrainContext) -> None:
        """Run ``max_iterations`` CEM iterations (continuing ``ctx.resume_from`` when set)."""
        import torch

        from genelab_backend_cem.search import (
            load_cem_checkpoint,
            param_count,
            population_actions,
            refit,
            unpack,
        )

        cfg, env = ctx.agent_cfg, ctx.env
        assert isinstance(cfg, CemCfg)
        device = env.device
        obs_dim, action_dim = env.observation_dims[GROUP], env.action_dim
        dim = param_count(obs_dim, action_dim)
        mean = torch.zeros(dim, device=device)
        std = torch.full((dim,), cfg.init_std, device=device)
        done_iteration, env_steps = -1, 0
        returns: collections.deque[float] = collections.deque(maxlen=EPISODE_WINDOW)
        lengths: collections.deque[float] = collections.deque(maxlen=EPISODE_WINDOW)
        if ctx.resume_from is not None:
            state = load_cem_checkpoint(ctx.resume_from, ctx.device)
            check_io_sizes(ctx.resume_from, ctx.task_id,
                           observations=(int(state["obs_dim"]), obs_dim),
                           actions=(int(state["action_dim"]), action_dim), groups=GROUP)
            mean, std = state["mean"].to(device), state["std"].to(device)
            done_iteration, env_steps = int(state["iteration"]), int(state["env_steps"])
            episodes = state.get("episodes") or {}
            returns.extend(float(v) for v in episodes.get("returns", []))
            lengths.extend(float(v) for v in episodes.get("lengths", []))
            ctx.restore_snapshot(state.get("snapshot"))

        num_envs, population = env.num_envs, cfg.population
        candidate_of_env = torch.arange(num_envs, device=device) % population
        first = done_iteration + 1
        last = first + cfg.max_iterations
        saved: int | None = None

        def save() -> None:
            nonlocal saved
            if ctx.rank != 0 or saved == done_iteration:
                return
            with ctx.wall_time.phase("checkpoints"):
                save_checkpoint_file({
                    "mean": mean, "std": std, "iteration": done_iteration,
                    "env_steps": env_steps, "obs_dim": obs_dim, "action_dim": action_dim,
                    "population": population,
                    "episodes": {"returns": list(returns), "lengths": list(lengths)},
                    "snapshot": ctx.snapshot(),
                }, ctx.run_dir / f"cem_{done_iteration}.pt")
            saved = done_iteration

        ctx.progress.start(first, last, env_steps)
        try:
            with torch.no_grad():
                for iteration in range(first, last):
                    candidates = mean + std * torch.randn(population, dim, device=device)
                    weights, bias = unpack(candidates[candidate_of_env], obs_dim, action_dim)
                    reward_sum = torch.zeros(num_envs, device=device)
                    obs = env.obs_buf[GROUP]
                    for _ in range(cfg.steps_per_iteration):
                        next_obs, reward, terminated, truncated, extras = env.step(
                            population_actions(obs, weights, bias))
                        obs = next_obs[GROUP]
                        reward_sum += reward
                        done = terminated | truncated
                        if bool(done.any()):
                            returns.extend(extras["episode_return"][done].tolist())
                            lengths.extend(extras["episode_length"][done].float().tolist())
                    # env i ran candidate i % population: rows of the view are env blocks
                    fitness = reward_sum.view(-1, population).mean(dim=0) / cfg.steps_per_iteration
                    with ctx.wall_time.phase("learning"):
                        new_mean, new_std, elites = refit(candidates, fitness, cfg.num_elites,
                                                          cfg.min_std)
                    mean, std, env_steps, done_iteration = (
                        new_mean, new_std, env_steps + cfg.steps_per_iteration * num_envs, iteration)
                    stats = IterationStats(
                        iteration=iteration, env_steps=env_steps, mean_reward=_mean(returns),
                        mean_episode_length=_mean(lengths),
                        extra={"best_fitness": float(fitness.max()),
                               "elite_fitness": float(fitness[elites].mean()),
                               "mean_fitness": float(fitness.mean()),
                               "std_mean": float(std.mean())})
                    for name, value in stats.extra.items():  # episode statistics are core's
                        ctx.metrics.scalar(f"CEM/{name}", value)
                    ctx.progress.update(stats)  # raises TrainingInterrupted on Ctrl-C
                    finished = iteration - first + 1
                    if finished == 1 or finished % cfg.save_interval == 0 or iteration == last - 1:
                        save()
        except BaseException:  # Ctrl-C, SIGTERM or an error: keep the finished iteration
            if done_iteration >= first:
                save()
            raise

    def inference_policy(self, ctx: PlayContext) -> Policy:
        """The mean of the checkpoint's search distribution, a traceable torch module.

        CEM's policy is deterministic; ``ctx.deterministic`` changes nothing.
        """
        from genelab_backend_cem.search import LinearTanhPolicy, load_cem_checkpoint, unpack

        state = load_cem_checkpoint(ctx.checkpoint, ctx.device)
        env = ctx.env
        if GROUP not in env.observation_dims:
            raise GenelabError(f"checkpoint {ctx.checkpoint.name} reads the '{GROUP}' "
                               f"observation group, which {ctx.task_id} does not have")
        check_io_sizes(ctx.checkpoint, ctx.task_id,
                       observations=(int(state["obs_dim"]), env.observation_dims[GROUP]),
                       actions=(int(state["action_dim"]), env.action_dim), groups=GROUP)
        weight, bias = unpack(state["mean"], int(state["obs_dim"]), int(state["action_dim"]))
        return LinearTanhPolicy(weight, bias, GROUP).to(ctx.device).eval()
