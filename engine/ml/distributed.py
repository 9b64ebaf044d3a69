"""Training as PyTorch DDP under ``torchrun --nproc_per_node=N``, or as one process without it.

Every process builds the same batches and takes every N-th; sums (validation, the time limit)
are gathered over all processes so they agree on every decision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from segue.engine.ml.device import choose_device


@dataclass
class Processes:
    """This process's place in the run: rank of world, and its device."""

    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(device_preference) -> Processes:
    """torchrun sets WORLD_SIZE, RANK and LOCAL_RANK; without them this is a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = choose_device(device_preference)
    if world <= 1:
        return Processes(0, 1, device)
    import torch.distributed as dist  # noqa: PLC0415

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device = torch.device("cpu")  # gloo has no MPS support
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Processes(dist.get_rank(), dist.get_world_size(), device)


def all_sum(values: list[float], ctx: Processes) -> list[float]:
    if ctx.world == 1:
        return values
    import torch.distributed as dist  # noqa: PLC0415

    tensor = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def barrier(ctx: Processes) -> None:
    if ctx.world > 1:
        import torch.distributed as dist  # noqa: PLC0415

        dist.barrier()
