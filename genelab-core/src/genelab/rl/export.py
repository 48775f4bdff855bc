"""Export a trained policy to TorchScript with a metadata file, checked for parity.

Imported only by ``genelab export``: torch is loaded at module level here.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from genelab.errors import GenelabError
from genelab.files import atomic_file, write_json
from genelab.rl.backend import Policy


def export_torchscript(env: Any, policy: Policy, path: Path, info: dict[str, Any]) -> Path:
    """Trace ``policy`` into ``path`` (positional obs groups, sorted by name) plus metadata.

    The exported module is reloaded and compared with ``policy`` on observations from a
    few env steps (including a batch of one); a mismatch is an error, so an exported file
    always reproduces the policy it came from. Writes ``<path>.json`` with the observation
    group names and sizes, the action size and bounds, and the env step.
    """
    groups = sorted(env.observation_dims)
    module = _PolicyModule(policy, groups)
    obs, _ = env.reset()
    example = tuple(obs[g] for g in groups)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # parity is checked below
        traced = torch.jit.trace(module, example, check_trace=False)
    with atomic_file(path) as handle:
        torch.jit.save(traced, handle)
    loaded = torch.jit.load(str(path), map_location=env.device)
    for _ in range(3):
        for batch in (obs, {g: obs[g][:1] for g in groups}):
            expected = policy(batch)
            got = loaded(*(batch[g] for g in groups))
            if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-5):
                path.unlink(missing_ok=True)
                raise GenelabError("exported policy does not reproduce the trained policy; "
                                   "this backend's policy cannot be traced")
        obs, *_ = env.step(policy(obs))
    space = env.single_action_space
    write_json(path.with_suffix(path.suffix + ".json"), {
        **info,
        "format": "torchscript",
        "inputs": [{"name": g, "size": int(env.observation_dims[g])} for g in groups],
        "action_size": int(env.action_dim),
        "action_low": [float(v) for v in space.low],
        "action_high": [float(v) for v in space.high],
        "step_dt": float(env.step_dt),
    })
    return path


class _PolicyModule(torch.nn.Module):
    """A dict-taking policy as a module taking the observation groups positionally."""

    def __init__(self, policy: Policy, groups: list[str]) -> None:
        super().__init__()
        self.policy = policy
        self.groups = groups
        for index, network in enumerate(_networks(policy)):  # trace weights as parameters
            self.add_module(f"network_{index}", network)

    def forward(self, *observations: torch.Tensor) -> torch.Tensor:
        return self.policy(dict(zip(self.groups, observations, strict=True)))


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
