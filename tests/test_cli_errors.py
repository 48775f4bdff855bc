"""Every mistake is one clear line: bad values, devices, files, memory and checkpoints
through the real CLI.

Each case runs ``genelab ...`` in a subprocess in a directory of its own (some start with
trained runs in it) and must exit non-zero with exactly one ``error:`` line on stderr
holding the expected words, print no traceback, and leave every file in that directory
as it was. The cases run a few at a time while the first test waits for all of them;
each is then reported as its own test.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CARTPOLE, PENDULUM, REACH = "GeneLab-Cartpole-v0", "GeneLab-Pendulum-v0", "GeneLab-Reach-v0"
TRAIN = ("train", CARTPOLE, "--max-iterations", "1")
PLAY = ("play", CARTPOLE, "--steps", "2")
TRAINED = ("play", CARTPOLE, "--agent", "trained", "--steps", "2")
#: Stands for the trained rsl_rl run's directory in a case's arguments.
RSL_RL_RUN = "<rsl_rl run>"
TINY_RSL = ("--num-envs", "4", "--agent.steps_per_iteration=4", "--agent.actor.hidden_dims=[8]",
            "--agent.critic.hidden_dims=[8]")


@dataclass
class Case:
    """One bad command: its arguments, the words its error line must hold, and how its
    directory is prepared (``runs``: copy the trained runs in; ``setup``: more files)."""

    args: tuple[str, ...]
    words: tuple[str, ...]
    runs: bool = False
    setup: Callable[[Path], None] | None = None
    limit_file_size: int | None = None
    env: dict[str, str] = field(default_factory=dict)


VALUES = {
    # rsl_rl (the default agent): every kind of constraint
    "hidden-dims-empty": Case((*TRAIN, "--agent.actor.hidden_dims", "[]"),
                              ("--agent.actor.hidden_dims", "at least 1 item")),
    "hidden-dims-negative": Case((*TRAIN, "--agent.actor.hidden_dims=-5,3"),
                                 ("--agent.actor.hidden_dims", "item [0] must be >= 1")),
    "dt-nan": Case((*TRAIN, "--env.sim.dt", "nan"), ("--env.sim.dt", "NaN")),
    "dt-inf": Case((*TRAIN, "--env.sim.dt", "inf"), ("--env.sim.dt", "finite")),
    "dt-word": Case((*TRAIN, "--env.sim.dt", "fast"), ("--env.sim.dt", "expected float")),
    "masses-zero": Case((*TRAIN, "--env.sim.model.pole_mass", "0",
                         "--env.sim.model.cart_mass", "0"), ("cart_mass", "must be > 0")),
    "epochs-zero": Case((*TRAIN, "--agent.algorithm.num_learning_epochs", "0"),
                        ("num_learning_epochs", "must be >= 1")),
    "activation-unknown": Case((*TRAIN, "--agent.actor.activation", "foo"),
                               ("--agent.actor.activation", "'elu'")),
    "gamma-above-one": Case((*TRAIN, "--agent.algorithm.gamma", "2"), ("gamma", "must be <= 1")),
    "init-std-zero": Case((*TRAIN, "--agent.actor.distribution_cfg.init_std", "0"),
                          ("init_std", "must be > 0")),
    "clip-actions-negative": Case((*TRAIN, "--agent.clip_actions=-1"), ("must be > 0",)),
    "obs-groups-empty": Case((*TRAIN, "--agent.obs_groups.actor", "[]"), ("at least 1 item",)),
    "save-interval-zero": Case((*TRAIN, "--agent.save_interval", "0"),
                               ("--agent.save_interval", "must be >= 1")),
    # the env
    "episode-length-negative": Case((*TRAIN, "--env.episode_length_s=-5"), ("must be > 0",)),
    "action-scale-inf": Case((*TRAIN, "--env.actions.force.scale", "inf"), ("finite",)),
    "action-clip-reversed": Case((*TRAIN, "--env.actions.force.clip=1,-1"), ("low < high",)),
    "obs-scale-nan": Case((*TRAIN, "--env.observations.policy.terms.joint_state.scale", "nan"),
                          ("NaN",)),
    "reward-weight-inf": Case((*TRAIN, "--env.rewards.alive.weight", "inf"), ("finite",)),
    "render-width-zero": Case((*PLAY, "--video", "clip.mp4", "--env.sim.render.width", "0"),
                              ("--env.sim.render.width", "must be >= 1")),
    "velocity-limit-zero": Case(("train", PENDULUM, "--max-iterations", "1",
                                 "--env.sim.model.velocity_limit", "0"), ("must be > 0",)),
    "integrator-unknown": Case((*TRAIN, "--env.sim.model.integrator", "euler"), ("'rk4'",)),
    "command-time-range": Case(("train", REACH, "--max-iterations", "1",
                                "--env.commands.goal.resampling_time_range_s=2,1"),
                               ("min <= max",)),
    # skrl and SB3 presets
    "skrl-mini-batches-zero": Case((*TRAIN, "--preset", "skrl_ppo",
                                    "--agent.ppo.mini_batches", "0"), ("must be >= 1",)),
    "skrl-hidden-dims-empty": Case((*TRAIN, "--preset", "skrl_ppo",
                                    "--agent.models.policy.hidden_dims", "[]"),
                                   ("at least 1 item",)),
    "skrl-activation-unknown": Case((*TRAIN, "--preset", "skrl_ppo",
                                     "--agent.models.critic.activation", "swish"), ("'elu'",)),
    "skrl-algorithm-unknown": Case((*TRAIN, "--preset", "skrl_ppo", "--agent.algorithm", "TRPO"),
                                   ("'PPO'",)),
    "skrl-memory-zero": Case((*TRAIN, "--preset", "skrl_ppo", "--agent.memory.memory_size", "0"),
                             ("must be >= 1",)),
    "skrl-polyak-above-one": Case(("train", PENDULUM, "--max-iterations", "1", "--preset",
                                   "skrl_sac", "--agent.sac.polyak", "2"), ("must be <= 1",)),
    "sb3-net-arch-empty": Case((*TRAIN, "--preset", "sb3_ppo", "--agent.policy.net_arch", "[]"),
                               ("at least 1 item",)),
    "sb3-epochs-zero": Case((*TRAIN, "--preset", "sb3_ppo", "--agent.ppo.n_epochs", "0"),
                            ("must be >= 1",)),
    "sb3-ent-coef-word": Case(("train", PENDULUM, "--max-iterations", "1", "--preset", "sb3_sac",
                               "--agent.sac.ent_coef", "automatic"), ("'auto_<positive",)),
    "sb3-gradient-steps-zero": Case(("train", PENDULUM, "--max-iterations", "1", "--preset",
                                     "sb3_td3", "--agent.td3.gradient_steps", "0"), ("-1",)),
    "sb3-batch-not-dividing": Case((*TRAIN, "--preset", "sb3_ppo", "--agent.ppo.batch_size",
                                    "7"), ("batch_size (7)",)),
}

FLAGS = {
    "seed-huge": Case((*TRAIN, "--seed", "99999999999999999999999"), ("--seed", "must be <")),
    "seed-negative": Case((*TRAIN, "--seed=-1"), ("--seed -1", "must be >= 0")),
    "num-envs-zero": Case((*TRAIN, "--num-envs", "0"), ("--num-envs 0", "must be >= 1")),
    "num-envs-word": Case((*TRAIN, "--num-envs", "abc"), ("--num-envs", "valid integer")),
    "train-env-seed": Case(("train", CARTPOLE, "--max-iterations", "1", "--env.seed", "3"),
                           ("--env.seed", "--seed")),
    "max-iterations-zero": Case(("train", CARTPOLE, "--max-iterations", "0"),
                                ("--max-iterations 0",)),
    "unknown-flag": Case((*TRAIN, "--bogus"), ("--bogus",)),
    "missing-task": Case(("train",), ("Missing argument 'TASK'",)),
    "unknown-command": Case(("trian", CARTPOLE), ("No such command",)),
    "unknown-task": Case(("train", "GeneLab-Cartpol-v0"), ("unknown task", "GeneLab-Cartpole-v0")),
    "unknown-preset": Case((*TRAIN, "--preset", "nope"), ("no preset 'nope'",)),
    "unknown-override": Case((*TRAIN, "--env.sim.ddt", "0.1"), ("--env.sim.dt",)),
    "override-group": Case((*TRAIN, "--env.sim", "1"), ("group of settings",)),
    "override-root": Case((*TRAIN, "--envs.sim.dt", "1"), ("unknown override root",)),
    "bare-argument": Case((*TRAIN, "extra"), ("unexpected argument 'extra'",)),
    "experiment-name-path": Case((*TRAIN, "--agent.experiment_name", "../up"),
                                 ("agent.experiment_name",)),
    "run-name-path": Case((*TRAIN, "--run-name", "a/b"), ("--run-name",)),
    "play-agent-unknown": Case(("play", CARTPOLE, "--agent", "smart"), ("unknown agent 'smart'",)),
    "play-num-envs-zero": Case((*PLAY, "--num-envs", "0"), ("--num-envs 0",)),
    "play-dt-nan": Case((*PLAY, "--env.sim.dt", "nan"), ("NaN",)),
    "eval-episodes-zero": Case(("eval", CARTPOLE, "--agent", "random", "--episodes", "0"),
                               ("--episodes must be at least 1",)),
    "gpus-zero": Case((*TRAIN, "--gpus", "0"), ("--gpus must be at least 1",)),
    "gpus-uneven": Case((*TRAIN, "--gpus", "2", "--num-envs", "3"), ("does not split evenly",)),
    "gpus-backend": Case((*TRAIN, "--gpus", "2", "--preset", "sb3_ppo"), ("drop --gpus",)),
    "nnodes-no-endpoint": Case((*TRAIN, "--gpus", "1", "--nnodes", "2"), ("--rdzv-endpoint",)),
    "node-rank-out-of-range": Case((*TRAIN, "--gpus", "1", "--nnodes", "2", "--node-rank", "5",
                                    "--rdzv-endpoint", "h:1"), ("--node-rank",)),
    "list-runs-unknown-task": Case(("list", "runs", "Nope-v0"), ("unknown task",)),
}

DEVICES = {
    "train-cuda": Case((*TRAIN, "--device", "cuda"), ("device 'cuda' is not available",
                                                      "available: cpu")),
    "train-cuda-1": Case((*TRAIN, "--device", "cuda:1"), ("'cuda:1' is not available",)),
    "train-mps": Case((*TRAIN, "--device", "mps"), ("'mps' is not available",)),
    "train-meta": Case((*TRAIN, "--device", "meta"), ("'meta' is not available",)),
    "train-nonsense": Case((*TRAIN, "--device", "gpu0"), ("bad device 'gpu0'",)),
    "train-gpus-cuda": Case((*TRAIN, "--gpus", "2", "--device", "cuda"),
                            ("'cuda' is not available",)),
    "play-cuda": Case((*PLAY, "--device", "cuda:0"), ("'cuda:0' is not available",)),
    "eval-meta": Case(("eval", CARTPOLE, "--agent", "zero", "--device", "meta"),
                      ("'meta' is not available",)),
    "export-mps": Case(("export", CARTPOLE, "--device", "mps"), ("'mps' is not available",),
                       runs=True),
}


def _file(name: str, text: str = "x") -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return make


def _folder(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).mkdir(parents=True)


def _run_of(root: Path, backend: str) -> Path:
    [run] = (root / "logs" / backend).glob("*/*")
    return run


def _checkpoint_of(root: Path, backend: str) -> Path:
    run = _run_of(root, backend)
    return max((p for p in run.rglob("*") if p.name.startswith(("model_", "agent_"))
                and p.suffix in (".pt", ".zip")), key=lambda p: p.stat().st_mtime)


def _edit_params(backend: str, name: str, edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = _run_of(root, backend) / "params" / f"{name}.json"
        data = json.loads(path.read_text())
        edit(data)
        path.write_text(json.dumps(data))
    return make


def _loose_copy(backend: str, name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        shutil.copy(_checkpoint_of(root, backend), root / name)
    return make


def _set(*keys: str, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value
    return edit


FILES = {
    "log-dir-is-a-file": Case((*TRAIN, "--log-dir", "notes.txt"), ("notes.txt", "not a dir"),
                              setup=_file("notes.txt")),
    "log-dir-below-a-file": Case((*TRAIN, "--log-dir", "notes.txt/logs"), ("notes.txt",),
                                 setup=_file("notes.txt")),
    "export-output-is-a-dir": Case(("export", CARTPOLE, "--output", "somedir.pt"),
                                   ("somedir.pt is a directory",), runs=True,
                                   setup=_folder("somedir.pt")),
    "export-format": Case(("export", CARTPOLE, "--format", "tflite"),
                          ("unknown export format 'tflite'", "onnx or torchscript"), runs=True),
    "export-suffix": Case(("export", CARTPOLE, "--format", "onnx", "--output", "p.pt"),
                          ("does not end in .onnx",), runs=True),
    "export-output-below-a-file": Case(("export", CARTPOLE, "--output", "notes.txt/p.pt"),
                                       ("notes.txt",), runs=True, setup=_file("notes.txt")),
    "video-is-a-dir": Case((*PLAY, "--video", "somedir.mp4"), ("somedir.mp4 is a directory",),
                           setup=_folder("somedir.mp4")),
    "video-suffix": Case((*PLAY, "--video", "clip.avi"), (".mp4 or .gif",)),
    "eval-output-is-a-dir": Case(("eval", CARTPOLE, "--agent", "zero", "--output", "somedir"),
                                 ("somedir is a directory",), setup=_folder("somedir")),
    "train-disk-full": Case(TRAIN, ("File too large",), limit_file_size=64_000),
    "resume-disk-full": Case(("train", CARTPOLE, "--resume", "--max-iterations", "1"),
                             ("File too large",), runs=True, limit_file_size=20_000),
    "export-disk-full": Case(("export", CARTPOLE, "--output", "policy.pt"),
                             ("policy.pt", "File too large"), runs=True, limit_file_size=2_000),
    "eval-disk-full": Case(("eval", CARTPOLE, "--agent", "zero", "--num-envs", "2",
                            "--output", "eval.json"), ("eval.json", "File too large"),
                           limit_file_size=20),
}

MEMORY = {
    "train-billion-envs": Case(("train", CARTPOLE, "--num-envs", "1000000000"),
                               ("--num-envs 1000000000 does not fit", "GiB", "available")),
    "play-billions-of-envs": Case((*PLAY, "--num-envs", "4000000000"), ("does not fit",)),
    "eval-billions-of-envs": Case(("eval", CARTPOLE, "--agent", "random", "--num-envs",
                                   "4000000000"), ("does not fit",)),
    "replay-memory": Case(("train", PENDULUM, "--preset", "skrl_sac", "--num-envs", "4000000"),
                          ("does not fit", "learner")),
    "sb3-replay-buffer": Case(("train", PENDULUM, "--preset", "sb3_sac",
                               "--agent.sac.buffer_size", "100000000000"), ("does not fit",)),
}

CHECKPOINTS = {
    "checkpoint-missing": Case((*TRAIN, "--checkpoint", "nowhere/model_3.pt"),
                               ("does not exist",)),
    "resume-nothing": Case((*TRAIN, "--resume"), ("no runs of GeneLab-Cartpole-v0",)),
    "play-no-runs": Case(TRAINED, ("no runs of GeneLab-Cartpole-v0",)),
    "checkpoint-number-missing": Case((*TRAINED, "--checkpoint", "12345"), ("12345",), runs=True),
    "checkpoint-of-another-task": Case(("play", PENDULUM, "--agent", "trained", "--checkpoint",
                                        RSL_RL_RUN), ("GeneLab-Cartpole-v0",), runs=True),
    "sb3-zip-outside-its-run": Case((*TRAINED, "--checkpoint", "loose.zip"), ("loose.zip",),
                                    runs=True, setup=_loose_copy("sb3", "loose.zip")),
    "skrl-checkpoint-outside-its-run": Case((*TRAINED, "--checkpoint", "agent_4.pt"),
                                            ("agent_4.pt",), runs=True,
                                            setup=_loose_copy("skrl", "agent_4.pt")),
    "rsl-checkpoint-as-sb3": Case((*TRAINED, "--preset", "sb3_ppo", "--checkpoint",
                                   "model_9.pt"), ("model_9.pt",), runs=True,
                                  setup=_loose_copy("rsl_rl", "model_9.pt")),
    "text-file-checkpoint": Case((*TRAINED, "--checkpoint", "model_5.pt"), ("model_5.pt",),
                                 setup=_file("model_5.pt", "not a checkpoint")),
    "truncated-checkpoint": Case(("export", CARTPOLE, "--run", "rsl_rl"), ("model_",), runs=True,
                                 setup=lambda root: _truncate(_checkpoint_of(root, "rsl_rl"))),
    "preset-of-another-run": Case((*TRAINED, "--preset", "skrl_ppo", "--run", "rsl_rl"),
                                  ("no runs of GeneLab-Cartpole-v0",), runs=True),
    "params-wrong-type": Case((*TRAINED, "--run", "rsl_rl"), ("agent.algorithm.gamma",),
                              runs=True, setup=_edit_params("rsl_rl", "agent",
                                                            _set("algorithm", "gamma",
                                                                 value="high"))),
    "params-out-of-range": Case(("train", CARTPOLE, "--resume", "--run", "rsl_rl",
                                 "--max-iterations", "1"),
                                ("agent.algorithm.gamma = 7.0", "saved params", "<= 1"),
                                runs=True, setup=_edit_params("rsl_rl", "agent",
                                                              _set("algorithm", "gamma",
                                                                   value=7.0))),
    "params-env-wrong-type": Case((*TRAINED, "--run", "skrl"), ("env.num_envs",), runs=True,
                                  setup=_edit_params("skrl", "env", _set("num_envs",
                                                                         value="many"))),
    "params-list-for-dict": Case((*TRAINED, "--run", "sb3"), ("agent.ppo",), runs=True,
                                 setup=_edit_params("sb3", "agent", _set("ppo", value=[1, 2]))),
    "params-not-json": Case((*TRAINED, "--run", "rsl_rl"), ("env.json",), runs=True,
                            setup=lambda root: (_run_of(root, "rsl_rl") / "params" /
                                                "env.json").write_text("{not json")),
    "resume-network-change": Case(("train", CARTPOLE, "--resume", "--run", "rsl_rl",
                                   "--max-iterations", "1", "--agent.actor.hidden_dims=[32]"),
                                  ("mlp.0.weight has shape (8, 4)", "(32, 4)"), runs=True),
    "export-zero-policy-run": Case(("export", CARTPOLE, "--run", "nothing-matches"),
                                   ("nothing-matches",), runs=True),
}


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


ALL = {**VALUES, **FLAGS, **DEVICES, **FILES, **MEMORY, **CHECKPOINTS}


def _train_runs(root: Path) -> None:
    """One tiny trained Cartpole run per backend under ``root/logs``."""
    commands = [
        ("train", CARTPOLE, *TINY_RSL, "--max-iterations", "2", "--agent.save_interval=1"),
        ("train", CARTPOLE, "--preset", "skrl_ppo", "--num-envs", "2", "--max-iterations", "1",
         "--agent.steps_per_iteration=4", "--agent.ppo.mini_batches=1"),
        ("train", CARTPOLE, "--preset", "sb3_ppo", "--num-envs", "2", "--max-iterations", "1",
         "--agent.steps_per_iteration=4", "--agent.ppo.batch_size=8"),
    ]
    processes = [subprocess.Popen([sys.executable, "-m", "genelab", *args], cwd=root,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for args in commands]
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root``: folders by name, files with size, modification time and
    content hash."""
    state: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        if path.is_dir():
            state[str(path.relative_to(root))] = ("folder",)
        else:
            info = path.lstat()
            state[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns,
                                                  hashlib.sha1(path.read_bytes()).hexdigest())
    return state


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@dataclass
class Outcome:
    """What one case did."""

    result: subprocess.CompletedProcess
    before: dict[str, tuple]
    after: dict[str, tuple]


def _run_case(case: Case, root: Path, template: Path) -> Outcome:
    root.mkdir(parents=True)
    if case.runs:
        shutil.copytree(template / "logs", root / "logs")
    if case.setup is not None:
        case.setup(root)
    before = snapshot(root)
    args = [str(_run_of(root, "rsl_rl")) if arg == RSL_RL_RUN else arg for arg in case.args]
    env = {**os.environ, "COLUMNS": "200", **case.env}
    env.pop("GENELAB_DEBUG", None)
    preexec = _limit_file_size(case.limit_file_size) if case.limit_file_size else None
    result = subprocess.run([sys.executable, "-m", "genelab", *args], cwd=root, env=env,
                            capture_output=True, text=True, timeout=600, preexec_fn=preexec)
    return Outcome(result, before, snapshot(root))


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """The selected cases of the table (``-k`` selects too), run two at a time."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if item.path == Path(__file__) and hasattr(item, "callspec")
                and "name" in item.callspec.params]
    template = tmp_path_factory.mktemp("trained")
    if any(ALL[name].runs for name in selected):
        _train_runs(template)
    cases = tmp_path_factory.mktemp("cases")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run_case, ALL[name], cases / name, template)
                   for name in selected}
        return {name: future.result() for name, future in futures.items()}


def test_the_table_is_broad() -> None:
    assert len(ALL) >= 100


@pytest.mark.parametrize("name", list(ALL))
def test_bad_input_is_one_error_line_and_changes_nothing(outcomes, name) -> None:
    outcome, case = outcomes[name], ALL[name]
    result = outcome.result
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    for word in case.words:
        assert word in errors[0], errors[0]
    assert outcome.after == outcome.before, "files changed: " + ", ".join(
        sorted(set(outcome.after.items()) ^ set(outcome.before.items()), key=str)[:5].__repr__())


def test_a_write_failure_after_the_first_checkpoint_keeps_it(genelab, tmp_path):
    """The events file outgrows a file-size limit mid-run: one error line naming the run,
    the checkpoint written before it intact and loadable, the run marked failed."""
    import torch

    args = ("train", CARTPOLE, *TINY_RSL, "--max-iterations", "400", "--agent.save_interval=300")
    result = subprocess.run([sys.executable, "-m", "genelab", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600,
                            preexec_fn=_limit_file_size(39_000))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    run = _run_of(tmp_path, "rsl_rl")
    assert result.stderr.strip() == f"error: {run.relative_to(tmp_path)}: File too large"
    state = torch.load(run / "model_0.pt", weights_only=True)
    assert state["iter"] == 0 and "actor_state_dict" in state
    assert json.loads((run / "params" / "run.json").read_text())["status"] == "failed"


def _read_only_folder(root: Path) -> Path:
    """A folder nothing can be written in: a read-only tmpfs for root, else mode 0555."""
    folder = root / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return folder
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"root cannot mount a read-only file system here: {mounted.stderr.strip()}")
    return folder


@pytest.fixture
def read_only(tmp_path):
    folder = _read_only_folder(tmp_path)
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(("args", "words"), [
    ((*TRAIN, "--log-dir", "ro/logs"), ("--log-dir ro/logs", "read-only file system")),
    (("eval", CARTPOLE, "--agent", "zero", "--output", "ro/eval.json"), ("--output",)),
    ((*PLAY, "--video", "ro/clip.gif"), ("--video ro/clip.gif",)),
])
def test_read_only_outputs_are_refused_up_front(genelab, tmp_path, read_only, args, words,
                                                assert_one_line_error):
    result = genelab(*args)
    assert_one_line_error(result, *words)
    assert not list(read_only.iterdir()) and not (tmp_path / "logs").exists()


BAD_PLUGINS = {
    "fake-number": ("tasks", """
        from genelab import hookimpl
        @hookimpl
        def genelab_tasks():
            return 42
    """),
    "fake-objects": ("backends", """
        from genelab import hookimpl
        @hookimpl
        def genelab_backends():
            return [object()]
    """),
    "fake-exit": ("tasks", "import sys\nsys.exit(0)\n"),
    "fake-impostor": ("tasks", """
        from genelab import hookimpl
        from genelab.configs import TaskSpec
        @hookimpl
        def genelab_tasks():
            return [TaskSpec("GeneLab-Cartpole-v0", "nowhere:make", "an impostor")]
    """),
    "fake-clash": ("backends", """
        from genelab import hookimpl
        from genelab_backend_rslrl.backend import RslRlBackend
        from genelab_backend_sb3.config import Sb3AgentCfg
        class SameName(RslRlBackend):
            pass
        class SameType(RslRlBackend):
            name = "other"
            config_type = Sb3AgentCfg
        @hookimpl
        def genelab_backends():
            return [SameName(), SameType()]
    """),
}


def test_broken_plugins_are_reported_with_their_distribution_and_skipped(genelab, plugin_site):
    env: dict[str, str] = {}
    for dist, (group, source) in BAD_PLUGINS.items():
        module = dist.replace("-", "_").replace("fake", "fake_genelab")
        env = plugin_site(dist, "0.1", f"[genelab.{group}]\nplugin = {module}\n", {module: source})
    listing = genelab("list", "backends", env=env)
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    failures = listing.stdout.split("plugin failures (skipped):")[1]
    for expected in ("fake-number 0.1", "returned 42, not a list of TaskSpec",
                     "fake-objects 0.1", "not a Backend", "fake-exit 0.1", "SystemExit: 0",
                     "fake-impostor 0.1", "'GeneLab-Cartpole-v0' is already registered",
                     "not a Backend"):
        assert expected in failures, (expected, failures)
    # the first on sys.path (PYTHONPATH comes first) keeps a name or a config type; the
    # report names both distributions
    for clash, owner in (("the name 'rsl_rl' is taken by", "genelab-backend-rslrl"),
                         ("claims genelab_backend_sb3.config.Sb3AgentCfg, which", "sb3")):
        [line] = [line for line in failures.splitlines() if clash in line]
        assert "fake-clash" in line and owner in line, line
    info = genelab("info", CARTPOLE, env=env)  # every other command works, and says so
    assert info.returncode == 0 and "Traceback" not in info.stderr, info.stderr
    assert info.stdout.startswith(f"{CARTPOLE}: ") and "impostor" not in info.stdout
    warnings = [line for line in info.stderr.splitlines() if line.startswith("warning: plugin")]
    assert any("fake-impostor" in line for line in warnings), info.stderr
