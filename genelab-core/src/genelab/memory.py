"""Will ``num_envs`` envs fit? An estimate from the env's own buffers, checked up front.

The env's memory grows linearly with ``num_envs``: two tiny probe envs (1 and 3 envs)
give the bytes per env exactly (every tensor the env holds, counted once). The learner
adds its rollout or replay storage (:meth:`genelab.rl.Backend.memory_bytes`). A command
whose estimate exceeds the memory available on its device is refused before the real
env is allocated.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from genelab.errors import GenelabError

GIB = 1024**3


def tensor_bytes(root: Any) -> int:
    """Bytes of every distinct tensor storage reachable from ``root``'s attributes,
    dicts, lists and tuples."""
    import torch

    seen_objects: set[int] = set()
    storages: dict[int, int] = {}
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen_objects:
            continue
        seen_objects.add(id(node))
        if isinstance(node, torch.Tensor):
            storage = node.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
        elif isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, (list, tuple, set)):
            pending.extend(node)
        elif hasattr(node, "__dict__") and not isinstance(node, type):
            pending.extend(vars(node).values())
    return sum(storages.values())


def env_footprint(env_cfg: Any, device: str) -> tuple[int, int, dict[str, int], int]:
    """``(fixed bytes, bytes per env, observation dims, action dim)`` of ``env_cfg``'s env,
    measured on probe envs of 1 and 3 envs."""
    from genelab.envs import ManagerBasedRlEnv

    sizes = {}
    dims: tuple[dict[str, int], int] = ({}, 0)
    for count in (1, 3):
        probe_cfg = copy.deepcopy(env_cfg)
        probe_cfg.num_envs = count
        env = ManagerBasedRlEnv(probe_cfg, device=device)
        try:
            sizes[count] = tensor_bytes(env)
            dims = (dict(env.observation_dims), env.action_dim)
        finally:
            env.close()
    per_env = max((sizes[3] - sizes[1]) // 2, 0)
    return max(sizes[1] - per_env, 0), per_env, *dims


def available_bytes(device: str) -> tuple[int, str]:
    """Free memory on ``device`` and what it is called in messages."""
    import torch

    parsed = torch.device(device)
    if parsed.type == "cuda":
        free, _ = torch.cuda.mem_get_info(parsed)
        return free, f"is free on {device}"
    return _available_ram(), "of RAM is available"


def _available_ram() -> int:
    """MemAvailable, capped by a cgroup (container) limit when there is one."""
    available = None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        pass
    if available is None:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        cgroup = Path("/sys/fs/cgroup")
        cap = (cgroup / "memory.max").read_text().strip()
        if cap != "max":
            used = int((cgroup / "memory.current").read_text())
            stats = dict(line.split() for line in (cgroup / "memory.stat").read_text()
                         .splitlines() if line.count(" ") == 1)
            used -= int(stats.get("inactive_file", 0))  # page cache the kernel reclaims
            available = min(available, max(int(cap) - used, 0))
    except (OSError, ValueError):
        pass
    return available


def check_memory(env_cfg: Any, device: str, learner: Any = None) -> int:
    """Refuse ``env_cfg.num_envs`` envs (plus what ``learner(num_envs, obs_dims,
    action_dim)`` says the learner needs, in bytes) that cannot fit on ``device``;
    returns the estimate."""
    fixed, per_env, obs_dims, action_dim = env_footprint(env_cfg, device)
    num_envs = env_cfg.num_envs
    env_bytes = fixed + per_env * num_envs
    learner_bytes = learner(num_envs, obs_dims, action_dim) if learner else 0
    needed = env_bytes + learner_bytes
    free, where = available_bytes(device)
    if needed > free:
        parts = f"env {env_bytes / GIB:.1f} GiB" + (
            f" + learner {learner_bytes / GIB:.1f} GiB" if learner else "")
        raise GenelabError(
            f"--num-envs {num_envs} does not fit: it needs about {needed / GIB:.1f} GiB "
            f"({parts}) but only {free / GIB:.1f} GiB {where}; use fewer envs")
    return needed
