"""Torch devices: ``auto`` resolved, and a named device checked before anything is built."""

from __future__ import annotations

from genelab.errors import GenelabError


def available_devices() -> list[str]:
    """The devices this machine can compute on: ``cpu``, ``cuda:<i>``, ``mps``, ``xpu:<i>``."""
    import torch

    found = ["cpu"]
    found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        found += [f"xpu:{i}" for i in range(xpu.device_count())]
    return found


def resolve_device(device: str | None) -> str:
    """``None`` or ``"auto"``: CUDA when available, else CPU. Any other name must parse as
    a torch device that exists here; the error lists the devices that do."""
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise GenelabError(f"bad device '{device}': {error}") from None
    available = available_devices()
    if parsed.type == "cpu":
        return device
    name = f"{parsed.type}:{parsed.index if parsed.index is not None else 0}"
    if parsed.type == "mps":
        name = "mps"
    if name not in available:
        raise GenelabError(f"device '{device}' is not available here "
                           f"(available: {', '.join(available)})")
    return device
