"""A running standard scaler whose statistics are the same on every rank of a
distributed run (skrl's own keeps per-process statistics, so the ranks' normalizers, and
then their policies, drift apart)."""

from __future__ import annotations

import torch
from skrl.resources.preprocessors.torch import RunningStandardScaler


class SynchronizedStandardScaler(RunningStandardScaler):
    """skrl's ``RunningStandardScaler``, updated with the batch of all ranks together.

    Each update all-reduces the batch's count, sum and sum of squares (float64) and
    folds the combined mean and unbiased variance into the running statistics with skrl's
    own parallel-variance rule, so every rank holds bit-identical statistics. Outside a
    process group it is skrl's scaler.
    """

    def _parallel_variance(self, input_mean: torch.Tensor, input_var: torch.Tensor,
                           input_count: int) -> None:
        if not torch.distributed.is_initialized():
            super()._parallel_variance(input_mean, input_var, input_count)
            return
        shape = input_mean.shape
        mean, var = input_mean.double().reshape(-1), input_var.double().reshape(-1)
        # a rank's batch of one has no variance (torch.var gives NaN); it adds no scatter
        scatter = var * (input_count - 1) if input_count > 1 else torch.zeros_like(var)
        count = torch.full_like(mean[:1], float(input_count))
        moments = torch.cat((count, mean * input_count, scatter + mean.square() * input_count))
        torch.distributed.all_reduce(moments)
        total, sums, squares = moments[0], moments[1:1 + mean.numel()], moments[1 + mean.numel():]
        combined_mean = sums / total
        combined_var = (squares - total * combined_mean.square()) / (total - 1)
        dtype = input_mean.dtype  # the running statistics keep theirs
        super()._parallel_variance(combined_mean.reshape(shape).to(dtype),
                                   combined_var.reshape(shape).to(dtype), int(total.item()))
