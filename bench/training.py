"""Training throughput: prints one JSON object (grid steps per second, estimated epoch time).

    .venv/bin/python bench/training.py [--corpus essen] [--threads N] [--batches 40] [model flags]

Times forward + backward + AdamW on real batches of the corpus's train split (a synthetic
corpus when the corpus is not built), after a few warm-up batches.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine.ml.evaluation import encode_tunes  # noqa: E402
from segue.engine.ml.model import ModelConfig, create_model  # noqa: E402
from segue.engine.ml.training import TrainOptions, batch_loss, epoch_batches  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="essen")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--hidden-size", type=int, default=ModelConfig.hidden_size)
    parser.add_argument("--layers", type=int, default=ModelConfig.num_layers)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    config = ModelConfig(hidden_size=args.hidden_size, num_layers=args.layers)
    options = TrainOptions(batch_size=args.batch_size, model=config)
    try:
        from segue.engine.corpus import load_corpus

        tunes, source = load_corpus(args.corpus, "train"), args.corpus
    except Exception:  # noqa: BLE001 - any failure: fall back to synthetic tunes
        from tests.engine.ml.test_training import synthetic_tunes

        tunes, source = synthetic_tunes(2000), "synthetic"
    encoded, _ = encode_tunes(tunes, config.encoding)
    batches = epoch_batches(encoded, options, 0, config.encoding.num_pitches)
    model = create_model(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def run(batch):
        loss, _, count, _ = batch_loss(model, batch, torch.device("cpu"))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return count

    for batch in batches[:3]:
        run(batch)
    timed = batches[3:3 + args.batches]
    start = time.perf_counter()
    steps = sum(run(batch) for batch in timed)
    seconds = time.perf_counter() - start
    epoch_steps = sum(len(w.tokens) - 1 for b in batches for w in b)
    print(json.dumps({
        "corpus": source,
        "model": f"{config.num_layers}x{config.hidden_size}",
        "threads": torch.get_num_threads(),
        "batch_size": args.batch_size,
        "batches_timed": len(timed),
        "steps_per_second": round(steps / seconds, 1),
        "batches_per_epoch": len(batches),
        "estimated_epoch_seconds": round(epoch_steps / (steps / seconds), 1),
    }, indent=2))


if __name__ == "__main__":
    main()
