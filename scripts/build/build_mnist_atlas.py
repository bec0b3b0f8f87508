"""Build (or check) the MNIST atlas the app ships: every digit x {CFG, CG} x every w of W_GRID at seed 0.

    OMP_NUM_THREADS=1 python scripts/build/build_mnist_atlas.py [--checkpoint DIR] [--out FILE]   # ~5-10 min, 1 thread
    python scripts/build/build_mnist_atlas.py --check [--samples 3]     # hash matches + a few grids resampled and compared

Rerun after retraining the MNIST model: the app trusts an atlas only when the sha256 of model.safetensors
recorded in it matches the served checkpoint, and otherwise computes the atlas in the background after start-up.
The grids are MnistService's own samples (explainer.mnist.atlas.fill), so the atlas equals what the tab would draw.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build(store, out: Path) -> int:
    from explainer.mnist.atlas import Atlas, checkpoint_sha256, fill

    atlas = Atlas(checkpoint_sha256(store.checkpoint_dir))
    t0 = time.perf_counter()

    def progress(done, total, seconds):
        print(f"{done}/{total} grids, {seconds:.0f} s, ~{seconds / done * (total - done):.0f} s left", flush=True)

    fill(atlas, store.service, progress=progress)
    atlas.save(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


def check(store, samples: int) -> int:
    """0 when the atlas file matches the checkpoint and `samples` random grids equal fresh samples (to 1/255)."""
    from explainer.mnist.service import GridKey
    from explainer.mnist.atlas import to_digit_grid

    atlas = store.atlas()
    if atlas is None or store.source != "shipped" or not atlas.complete:
        print(f"error: atlas {store.path} is not usable: {store.source or store.service.problem}", file=sys.stderr)
        return 1
    rng = random.Random(0)
    for _ in range(samples):
        d, m, w = rng.randrange(10), rng.choice(atlas.methods), rng.choice(atlas.ws)
        fresh = to_digit_grid(store.service.sample(GridKey(d, m, w, atlas.seed))).digits.astype(int)
        diff = int(abs(fresh - atlas.get(d, m, w, atlas.seed).digits.astype(int)).max())
        print(f"digit {d} {m} w = {w:g}: max pixel difference {diff}/255", flush=True)
        if diff > 1:
            return 1
    print(f"ok: {store.path} matches {store.checkpoint_dir}/model.safetensors")
    return 0


def main(argv=None) -> int:
    import torch

    from explainer.mnist.service import MnistService
    from explainer.mnist.atlas import AtlasStore

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=None, help="MNIST checkpoint folder (default: checkpoints/mnist)")
    ap.add_argument("--out", default=None, help="atlas file (default: <checkpoint>/atlas.npz)")
    ap.add_argument("--check", action="store_true", help="verify the atlas instead of building it")
    ap.add_argument("--samples", type=int, default=3, help="grids resampled by --check")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    store = AtlasStore(MnistService(args.checkpoint), args.out)
    if store.service.models() is None:
        print(f"error: the MNIST models cannot be loaded: {store.service.problem}", file=sys.stderr)
        return 2
    return check(store, args.samples) if args.check else build(store, store.path)


if __name__ == "__main__":
    sys.exit(main())
