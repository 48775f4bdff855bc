"""Export a trained policy to ONNX or TorchScript with a metadata file, checked for parity.

The exported graph is the deterministic actor as the backend plays it (observation
normalization included) followed by clipping to the env's action space, so a deployed
policy never outputs what the env would clip. Inputs are the observation groups, sorted
by name, each ``(batch, size)`` with a free batch dimension; the output is ``actions``.

``check_format`` runs before anything is built; the rest is imported only by
``genelab export`` (torch at module level).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import warnings
from pathlib import Path
from typing import Any

import torch

from genelab.errors import GenelabError
from genelab.files import atomic_file, write_json
from genelab.rl.backend import Policy

#: Export formats and the file suffix each writes.
FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
ONNX_HINT = "install genelab-core[onnx] (pip install 'genelab-core[onnx]')"
_ONNX_MODULES = ("onnx", "onnxscript", "onnxruntime")
#: ONNX opset of exported files.
OPSET = 18


def check_format(fmt: str, output: Path | None) -> None:
    """Fail early (:class:`GenelabError`) on an unknown format, an ``--output`` whose
    suffix is another format's, or a missing ONNX package."""
    if fmt not in FORMATS:
        raise GenelabError(f"unknown export format '{fmt}': use {' or '.join(FORMATS)}")
    suffix = FORMATS[fmt]
    if output is not None and output.suffix.lower() != suffix:
        raise GenelabError(f"--output {output} does not end in {suffix}, the suffix of "
                           f"--format {fmt}")
    if fmt == "onnx":
        for module in _ONNX_MODULES:
            if importlib.util.find_spec(module) is None:
                raise GenelabError(f"--format onnx needs '{module}': {ONNX_HINT}")


class ExportedPolicy(torch.nn.Module):
    """A dict-taking policy as a module taking the observation groups positionally,
    with its actions clipped to the env's action space (``low``/``high`` per entry)."""

    def __init__(self, policy: Policy, groups: list[str], low: torch.Tensor,
                 high: torch.Tensor) -> None:
        super().__init__()
        self.policy = policy
        self.groups = groups
        self.register_buffer("low", low.clone())
        self.register_buffer("high", high.clone())
        for index, network in enumerate(_networks(policy)):  # weights become parameters
            self.add_module(f"network_{index}", network)

    def forward(self, *observations: torch.Tensor) -> torch.Tensor:
        """Actions ``(batch, action_dim)`` for the observation groups in name order."""
        actions = self.policy(dict(zip(self.groups, observations, strict=True)))
        return torch.clamp(actions, self.low, self.high)


def export_policy(env: Any, policy: Policy, path: Path, fmt: str, info: dict[str, Any]
                  ) -> Path:
    """Write ``policy`` to ``path`` in ``fmt`` (see :data:`FORMATS`) plus ``<path>.json``.

    The written file is loaded back (``torch.jit.load`` / onnxruntime) and compared with
    the clipped live policy on batches of every env and of one, over a few env steps; a
    mismatch deletes it and is an error, so an exported file always reproduces the policy
    it came from. ``info`` (task, checkpoint, backend, ...) goes into the metadata, with
    the inputs (groups, their terms and sizes) and the action space.
    """
    groups = sorted(env.observation_dims)
    actions = env.action_manager
    module = ExportedPolicy(policy, groups, actions.low, actions.high).eval()
    obs, _ = env.reset()
    example = tuple(obs[g].repeat(2, 1) for g in groups)  # a batch of 1 would fix the size
    with atomic_file(path) as handle:
        handle.write(_onnx_bytes(module, example, groups) if fmt == "onnx"
                     else _torchscript_bytes(module, example))
    run = _load(path, fmt, env.device, groups)
    try:
        for _ in range(3):
            for batch in (obs, {g: obs[g][:1] for g in groups}):
                expected = module(*(batch[g] for g in groups))
                got = run(batch)
                if got.shape != expected.shape or not torch.allclose(got, expected, rtol=1e-4,
                                                                     atol=1e-5):
                    raise GenelabError(f"the exported {fmt} policy does not reproduce the "
                                       "trained policy; this backend's policy cannot be exported")
            obs, *_ = env.step(policy(obs))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    write_json(path.with_suffix(path.suffix + ".json"), {
        **info, "format": fmt, "file": path.name,
        "inputs": _inputs(env, groups), "output": "actions", "batch": "dynamic",
        "action_size": int(env.action_dim),
        "action_low": actions.low.tolist(), "action_high": actions.high.tolist(),
        "action_scale": actions.scale.tolist(), "action_offset": actions.offset.tolist(),
        "actions_clipped": True, "step_dt": float(env.step_dt),
        **({"opset": OPSET} if fmt == "onnx" else {}),
    })
    return path


def _torchscript_bytes(module: ExportedPolicy, example: tuple[torch.Tensor, ...]) -> bytes:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation notices; parity is checked
        traced = torch.jit.trace(module, example, check_trace=False)
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _onnx_bytes(module: ExportedPolicy, example: tuple[torch.Tensor, ...],
                groups: list[str]) -> bytes:
    """One self-contained ONNX file (no external data) with a free batch dimension; the
    exporter's progress lines and notices are kept off the console."""
    batch = torch.export.Dim("batch")
    onnx_logger = logging.getLogger("torch.onnx")
    level = onnx_logger.level
    onnx_logger.setLevel(logging.ERROR)
    # argument checks of torch.distributions (SB3 builds a Normal even for the mean action)
    # are data-dependent branches that torch.export cannot trace; they check nothing the
    # parity test does not
    validate = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(False)
    try:
        with torch.no_grad(), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module, example, input_names=groups, output_names=["actions"],
                dynamic_shapes=(tuple({0: batch} for _ in groups),), opset_version=OPSET,
                dynamo=True, external_data=False, verbose=False)
    except Exception as error:  # the exporter raises many types; name it in one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise GenelabError(f"this policy cannot be exported to ONNX ({type(error).__name__}: "
                           f"{first}); try --format torchscript") from error
    finally:
        onnx_logger.setLevel(level)
        torch.distributions.Distribution.set_default_validate_args(validate)
    return program.model_proto.SerializeToString()


def _load(path: Path, fmt: str, device: Any, groups: list[str]) -> Any:
    """A callable running the written file on a batch of observation groups."""
    if fmt == "torchscript":
        loaded = torch.jit.load(str(path), map_location=device)
        return lambda batch: loaded(*(batch[g] for g in groups))
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def run(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {g: batch[g].detach().cpu().numpy() for g in groups}
        return torch.from_numpy(session.run(["actions"], feeds)[0]).to(device)

    return run


def _inputs(env: Any, groups: list[str]) -> list[dict[str, Any]]:
    """Each input group with its size and its terms (name and size, in order)."""
    terms = env.observation_manager.term_dims()
    return [{"name": g, "size": int(env.observation_dims[g]),
             "terms": [{"name": name, "size": size} for name, size in terms[g].items()]}
            for g in groups]


def _networks(obj: Any, depth: int = 3) -> list[torch.nn.Module]:
    """The torch modules a policy object holds, directly or in attributes/dicts/lists."""
    if isinstance(obj, torch.nn.Module):
        return [obj]
    if depth == 0:
        return []
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
    found: list[torch.nn.Module] = []
    for child in children:
        for network in _networks(child, depth - 1):
            if all(network is not seen for seen in found):
                found.append(network)
    return found
