"""A network whose batch runs as two halves on two threads, so the MNIST U-Net uses both cores while torch stays at
one thread.

The app keeps torch at one intra-op thread (app.py, CFG_TORCH_THREADS): the 2D lab's tiny MLPs run ~10x slower with
two threads fighting over the two cores. The MNIST U-Net is the opposite: one thread leaves a core idle. Splitting
its batch (CFG's 2 x 16 rows, CG's 16) into halves, one run by the caller and one by a worker thread, uses both cores
for it alone (torch releases the GIL inside its kernels): a CFG grid of 16 samples in about half the time, with the
same numbers (each row is computed by the same kernels either way; tested). Two requests at once still share the two
cores as before.

    SplitBatch(net)(z, lam, c) == net(z, lam, c)     grad mode and inference mode follow the caller's thread
Nothing here imports gradio.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import torch
from torch import nn

MIN_SPLIT = 4  # smaller batches run whole: a thread hand-off costs more than it saves
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="split-batch")  # one per request the app runs at once


class SplitBatch(nn.Module):
    """eps_theta with the same call and attributes (num_classes), its batch computed as two halves at once."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net
        self.num_classes = getattr(net, "num_classes", None)

    def forward(self, z: torch.Tensor, lam: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        n = z.shape[0]
        if n < MIN_SPLIT:
            return self.net(z, lam, c)
        half = n // 2
        grad, inference = torch.is_grad_enabled(), torch.is_inference_mode_enabled()  # thread-local: carry them over

        def second_half() -> torch.Tensor:
            with torch.inference_mode(inference), torch.set_grad_enabled(grad):
                return self.net(z[half:], lam[half:], c[half:])

        future = _POOL.submit(second_half)
        first = self.net(z[:half], lam[:half], c[:half])
        return torch.cat([first, future.result()])  # [N, ...]
