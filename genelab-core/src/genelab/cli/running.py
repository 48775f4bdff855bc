"""``genelab train`` and ``genelab play``: flags, dotted overrides, the summary line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from genelab.rl.dispatch import TrainResult

EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}
OVERRIDES_HELP = (
    "Dotted overrides follow the flags: --env.sim.dt 0.01, --agent.seed=3 "
    "(see: genelab info TASK)."
)

TASK = typer.Argument(..., metavar="TASK", help="A task id (see: genelab list tasks).")
PRESET = typer.Option(None, "--preset", help="A named agent preset of the task.")
NUM_ENVS = typer.Option(None, "--num-envs", "--num_envs", help="Number of parallel envs.")
SEED = typer.Option(None, "--seed", help="Random seed (applied before the env is built).")
DEVICE = typer.Option(None, "--device", help="Torch device, e.g. cpu, cuda:0 (default: auto).")
LOG_DIR = typer.Option(Path("logs"), "--log-dir", "--log_dir", help="Root of run directories.")
RUN = typer.Option("latest", "--run", help="Run to load from: 'latest' or a regex on run names.")
STOCHASTIC = typer.Option(False, "--stochastic", help="Sample actions (trained policies).")
#: ``train`` options the ``--seeds`` parent sets per child itself (not forwarded as given).
SEEDS_OWN = frozenset({"seeds", "parallel", "gpus", "num_envs", "num_envs_per_gpu", "run_dir"})


def train(
    ctx: typer.Context,
    task_id: str = TASK,
    preset: str = PRESET,
    num_envs: int = NUM_ENVS,
    max_iterations: int = typer.Option(
        None, "--max-iterations", "--max_iterations",
        help="Iterations to run now; when resuming they are ADDITIONAL to the checkpoint's.",
    ),
    seed: int = SEED,
    device: str = DEVICE,
    log_dir: Path = LOG_DIR,
    run_name: str = typer.Option(None, "--run-name", "--run_name", help="Suffix of the run dir."),
    resume: bool = typer.Option(False, "--resume", help="Continue the latest run's checkpoint."),
    checkpoint: str = typer.Option(
        None, "--checkpoint", help="Resume from a checkpoint: PATH, 'latest' or an iteration."
    ),
    run: str = RUN,
    profile: bool = typer.Option(
        False, "--profile",
        help="Write torch.profiler traces of a window of env steps to <run>/profiler "
             "(schedule: GENELAB_PROFILE_SCHEDULE=wait,warmup,active,repeat, default 10,5,10,1).",
    ),
    gpus: int = typer.Option(
        None, "--gpus",
        help="Train on N processes under torchrun (one GPU each, or CPU processes over gloo); "
             "--num-envs is then the total over all of them.",
    ),
    num_envs_per_gpu: int = typer.Option(
        None, "--num-envs-per-gpu", "--num_envs_per_gpu", help="With --gpus: envs per process.",
    ),
    nnodes: int = typer.Option(1, "--nnodes", help="With --gpus: number of machines."),
    node_rank: int = typer.Option(0, "--node-rank", "--node_rank",
                                  help="With --nnodes: this machine's index (0 writes the run)."),
    rdzv_endpoint: str = typer.Option(None, "--rdzv-endpoint", "--rdzv_endpoint",
                                      help="With --nnodes: HOST:PORT of node 0."),
    seeds: str = typer.Option(
        None, "--seeds",
        help="Train one run per seed (1,2,3) under one parent directory; prints the mean and "
             "spread of the final return.",
    ),
    parallel: int = typer.Option(None, "--parallel", help="With --seeds: runs at once (1)."),
    video_every: int = typer.Option(
        None, "--video-every", "--video_every",
        help="Record a clip of env 0 into <run>/videos at the start and every N iterations.",
    ),
    video_length: int = typer.Option(
        None, "--video-length", "--video_length",
        help="With --video-every: env steps per clip (default 200, at most one episode).",
    ),
    run_dir: Path = typer.Option(None, "--run-dir", hidden=True),
) -> None:
    """Train TASK with the backend its agent config selects."""
    import os

    from genelab.errors import GenelabError
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import train_task

    if video_every is not None or video_length is not None:
        from genelab.rl.clips import clip_request

        clip_request(video_every, video_length)  # bad values, no video extra: one line now
    if seeds is not None:
        from genelab.rl.seeds import SeedsRequest, check_seed_flags, parse_seeds, train_seeds

        seed_list = parse_seeds(seeds)
        check_seed_flags({"--seed": seed is not None, "--resume": resume,
                          "--checkpoint": checkpoint is not None, "--nnodes": nnodes != 1,
                          "--node-rank": node_rank != 0, "--rdzv-endpoint": bool(rdzv_endpoint)})
        raise typer.Exit(train_seeds(SeedsRequest(
            task_id, seed_list, forward=_forwarded(ctx, SEEDS_OWN),
            parallel=1 if parallel is None else parallel, gpus=gpus, num_envs=num_envs,
            num_envs_per_gpu=num_envs_per_gpu, preset=preset, override_args=tuple(ctx.args),
            max_iterations=max_iterations, device=device, log_root=log_dir,
            run_name=run_name)))
    if parallel is not None:
        raise GenelabError("--parallel needs --seeds (the runs to spread)")
    if (gpus is not None or num_envs_per_gpu is not None) and "WORLD_SIZE" not in os.environ:
        from genelab.rl.launch import LaunchRequest, launch

        raise typer.Exit(launch(LaunchRequest(
            task_id, gpus=1 if gpus is None else gpus, num_envs=num_envs,
            num_envs_per_gpu=num_envs_per_gpu, preset=preset, override_args=tuple(ctx.args),
            max_iterations=max_iterations, seed=seed, device=device, log_root=log_dir,
            run_name=run_name, resume=resume, checkpoint=checkpoint, run=run, profile=profile,
            video_every=video_every, video_length=video_length, nnodes=nnodes,
            node_rank=node_rank, rdzv_endpoint=rdzv_endpoint)))
    overrides = parse_override_args(ctx.args, ("env", "agent"))
    result = train_task(
        task_id, preset=preset, overrides=overrides, num_envs=num_envs,
        max_iterations=max_iterations, seed=seed, device=device, log_root=log_dir,
        run_name=run_name, resume=resume, checkpoint=checkpoint, run=run, profile=profile,
        run_dir=run_dir, video_every=video_every, video_length=video_length,
    )
    if int(os.environ.get("RANK", "0")) == 0:  # rank 0 reports for every process
        _report(result, log_dir)
    if result.status == "interrupted":
        raise typer.Exit(130)


def _forwarded(ctx: typer.Context, drop: frozenset[str]) -> list[str]:
    """The options this command was given (by parameter name, except ``drop``) and its
    dotted overrides, as a command line for a child ``genelab train``."""
    args: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if (param.param_type_name != "option" or param.name in drop or value is None
                or value == param.default):
            continue
        args += [param.opts[0]] if param.is_flag else [param.opts[0], str(value)]
    return [*args, *ctx.args]


def _report(result: TrainResult, log_dir: Path) -> None:
    """The summary line, where the wall time went, and how to play or continue the run."""
    if result.timings and result.iterations:
        from genelab.rl.timing import format_breakdown

        typer.echo(format_breakdown(result.timings))
    if result.status == "interrupted":
        if result.checkpoint is None:
            typer.echo("interrupted before the first iteration ended; nothing was saved",
                       err=True)
            return
        typer.echo(f"interrupted after {result.iterations} iterations; saved {result.checkpoint}",
                   err=True)
        if result.remaining:
            where = "" if log_dir == Path("logs") else f" --log-dir {log_dir}"
            typer.echo(f"continue it: genelab train {result.task_id} --checkpoint "
                       f"{result.run_dir} --max-iterations {result.remaining}{where}", err=True)
        return
    minutes, seconds = divmod(int(result.seconds), 60)
    reward = "-" if result.mean_reward is None else f"{result.mean_reward:.2f}"
    length = "-" if result.mean_episode_length is None else f"{result.mean_episode_length:.1f}"
    typer.echo(
        f"done: {result.iterations} iterations in {minutes}m{seconds:02d}s, "
        f"mean reward {reward}, mean episode length {length}; run: {result.run_dir}\n"
        f"play it: genelab play {result.task_id} --agent trained --checkpoint {result.run_dir}"
    )


def play(
    ctx: typer.Context,
    task_id: str = TASK,
    agent: str = typer.Option("zero", "--agent", help="Policy source: zero, random or trained."),
    preset: str = PRESET,
    checkpoint: str = typer.Option(
        None, "--checkpoint", help="For --agent trained: PATH, run dir, 'latest' or an iteration."
    ),
    run: str = RUN,
    steps: int = typer.Option(240, "--steps", help="Headless: stop after this many steps."),
    max_steps: int = typer.Option(None, "--max-steps", "--max_steps",
                                  help="Hard cap on steps, with or without a viewer."),
    vis: bool = typer.Option(False, "--vis/--headless", help="Open a viewer until it closes."),
    video: Path = typer.Option(None, "--video", help="Write the rollout to an MP4 or GIF."),
    num_envs: int = NUM_ENVS,
    seed: int = SEED,
    device: str = DEVICE,
    stochastic: bool = STOCHASTIC,
    log_dir: Path = LOG_DIR,
) -> None:
    """Play TASK with a zero, random or trained policy."""
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import play_task

    overrides = parse_override_args(ctx.args, ("env", "agent"))
    done = play_task(
        task_id, kind=agent, preset=preset, overrides=overrides, checkpoint=checkpoint,
        run=run, steps=steps, max_steps=max_steps, vis=vis, video=video, num_envs=num_envs,
        seed=seed, device=device, deterministic=not stochastic, log_root=log_dir,
    )
    typer.echo(f"played {done} steps of {task_id} ({agent} policy)"
               + (f"; video: {video}" if video else ""))


def evaluate(
    ctx: typer.Context,
    task_id: str = TASK,
    checkpoint: str = typer.Argument(
        "latest", metavar="CKPT", help="PATH, run dir, 'latest' or an iteration."
    ),
    agent: str = typer.Option("trained", "--agent", help="Policy source: zero, random or trained."),
    episodes: int = typer.Option(
        100, "--episodes",
        help="Complete episodes counted in all, spread evenly over the envs (the first "
             "N mod num-envs envs count one more).",
    ),
    output: Path = typer.Option(None, "--output", help="Where to write the metrics JSON."),
    preset: str = PRESET,
    run: str = RUN,
    num_envs: int = NUM_ENVS,
    seed: int = typer.Option(
        None, "--seed",
        help="Random seed (default 1000003, a fixed eval seed: not the run's training seed).",
    ),
    device: str = DEVICE,
    stochastic: bool = STOCHASTIC,
    log_dir: Path = LOG_DIR,
) -> None:
    """Evaluate a policy: mean return with a 95% t confidence interval over --episodes.

    Seeded by default, so two evaluations of one checkpoint agree. Envs that finish their
    share of episodes keep stepping uncounted (no short-episode bias).
    """
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import evaluate_task

    overrides = parse_override_args(ctx.args, ("env", "agent"))
    metrics, written = evaluate_task(
        task_id, episodes=episodes, output=output, kind=agent, preset=preset,
        overrides=overrides, checkpoint=checkpoint, run=run, num_envs=num_envs, seed=seed,
        device=device, deterministic=not stochastic, log_root=log_dir,
    )
    typer.echo(eval_line(metrics))
    if written:
        typer.echo(f"wrote {written}")


def eval_line(metrics: dict) -> str:
    """``return M ± CI (95% t), length L[, success_rate R], N episodes, seed S``."""

    def number(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    parts = [f"return {number(metrics['return_mean'])} ± {number(metrics['return_ci95'])} (95% t)",
             f"length {number(metrics['length_mean'])}"]
    if "success_rate" in metrics:
        parts.append(f"success_rate {number(metrics['success_rate'])}")
    parts += [f"{metrics['episodes']} episodes", f"seed {metrics['seed']}"]
    return ", ".join(parts)


def export(
    ctx: typer.Context,
    task_id: str = TASK,
    checkpoint: str = typer.Argument(
        "latest", metavar="CKPT", help="PATH, run dir, 'latest' or an iteration."
    ),
    fmt: str = typer.Option("torchscript", "--format",
                            help="onnx (needs genelab-core[onnx]) or torchscript."),
    output: Path = typer.Option(
        None, "--output", help="File to write (.onnx or .pt; default: beside the checkpoint)."),
    preset: str = PRESET,
    run: str = RUN,
    device: str = DEVICE,
    log_dir: Path = LOG_DIR,
) -> None:
    """Export a trained policy to ONNX or TorchScript (+ metadata JSON): the deterministic
    actor with its observation normalization and clipping to the action space, any batch
    size, checked against the live policy."""
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import export_task

    overrides = parse_override_args(ctx.args, ("env", "agent"))
    written = export_task(task_id, output=output, fmt=fmt, preset=preset, overrides=overrides,
                          checkpoint=checkpoint, run=run, device=device, log_root=log_dir)
    typer.echo(f"wrote {written} and {written}.json")


train.__doc__ = f"{train.__doc__}\n\n{OVERRIDES_HELP}"
play.__doc__ = f"{play.__doc__}\n\n{OVERRIDES_HELP}"
evaluate.__doc__ = f"{evaluate.__doc__}\n\n{OVERRIDES_HELP}"
