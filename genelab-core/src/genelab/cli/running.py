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
    run_dir: Path = typer.Option(None, "--run-dir", hidden=True),
) -> None:
    """Train TASK with the backend its agent config selects."""
    import os

    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import train_task

    if (gpus is not None or num_envs_per_gpu is not None) and "WORLD_SIZE" not in os.environ:
        from genelab.rl.launch import LaunchRequest, launch

        raise typer.Exit(launch(LaunchRequest(
            task_id, gpus=1 if gpus is None else gpus, num_envs=num_envs,
            num_envs_per_gpu=num_envs_per_gpu, preset=preset, override_args=tuple(ctx.args),
            max_iterations=max_iterations, seed=seed, device=device, log_root=log_dir,
            run_name=run_name, resume=resume, checkpoint=checkpoint, run=run, profile=profile,
            nnodes=nnodes, node_rank=node_rank, rdzv_endpoint=rdzv_endpoint)))
    overrides = parse_override_args(ctx.args, ("env", "agent"))
    result = train_task(
        task_id, preset=preset, overrides=overrides, num_envs=num_envs,
        max_iterations=max_iterations, seed=seed, device=device, log_root=log_dir,
        run_name=run_name, resume=resume, checkpoint=checkpoint, run=run, profile=profile,
        run_dir=run_dir,
    )
    if int(os.environ.get("RANK", "0")) == 0:  # rank 0 reports for every process
        _report(result, log_dir)
    if result.status == "interrupted":
        raise typer.Exit(130)


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
    episodes: int = typer.Option(1, "--episodes", help="Episodes counted per env."),
    output: Path = typer.Option(None, "--output", help="Where to write the metrics JSON."),
    preset: str = PRESET,
    run: str = RUN,
    num_envs: int = NUM_ENVS,
    seed: int = SEED,
    device: str = DEVICE,
    stochastic: bool = STOCHASTIC,
    log_dir: Path = LOG_DIR,
) -> None:
    """Evaluate a policy: every env counts the same number of episodes (no short-episode bias)."""
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import evaluate_task

    overrides = parse_override_args(ctx.args, ("env", "agent"))
    metrics, written = evaluate_task(
        task_id, episodes_per_env=episodes, output=output, kind=agent, preset=preset,
        overrides=overrides, checkpoint=checkpoint, run=run, num_envs=num_envs, seed=seed,
        device=device, deterministic=not stochastic, log_root=log_dir,
    )
    typer.echo(", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in metrics.items()))
    if written:
        typer.echo(f"wrote {written}")


def export(
    ctx: typer.Context,
    task_id: str = TASK,
    checkpoint: str = typer.Argument(
        "latest", metavar="CKPT", help="PATH, run dir, 'latest' or an iteration."
    ),
    output: Path = typer.Option(None, "--output", help="TorchScript file to write."),
    preset: str = PRESET,
    run: str = RUN,
    device: str = DEVICE,
    log_dir: Path = LOG_DIR,
) -> None:
    """Export a trained policy to TorchScript (+ metadata JSON), checked against the policy."""
    from genelab.overrides import parse_override_args
    from genelab.rl.dispatch import export_task

    overrides = parse_override_args(ctx.args, ("env", "agent"))
    written = export_task(task_id, output=output, preset=preset, overrides=overrides,
                          checkpoint=checkpoint, run=run, device=device, log_root=log_dir)
    typer.echo(f"wrote {written} and {written}.json")


train.__doc__ = f"{train.__doc__}\n\n{OVERRIDES_HELP}"
play.__doc__ = f"{play.__doc__}\n\n{OVERRIDES_HELP}"
evaluate.__doc__ = f"{evaluate.__doc__}\n\n{OVERRIDES_HELP}"
