"""Training runs unchanged as PyTorch DDP: two CPU processes (gloo) end with identical weights.

The test starts ``torchrun --nproc_per_node=2`` on this very file; run as a program, the file
trains a tiny model on a synthetic corpus and saves each process's final weights.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_two_cpu_processes_finish_with_identical_weights(tmp_path):
    from safetensors.torch import load_file

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(Path(__file__)), str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    ranks = [load_file(str(tmp_path / f"rank{r}.safetensors")) for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    assert all((ranks[0][k] == ranks[1][k]).all() for k in ranks[0])
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert reports[0]["world"] == reports[1]["world"] == 2
    assert reports[0]["history"] == reports[1]["history"]  # validation summed over both
    single_batches = reports[0]["single_process_batches"]
    assert reports[0]["history"][0]["batches"] == single_batches // 2
    assert (tmp_path / "model.json").is_file() and (tmp_path / "model.safetensors").is_file()


def _train_as_one_rank(out: Path) -> None:
    import torch
    from safetensors.torch import save_file

    from segue.engine.ml.evaluation import encode_tunes
    from segue.engine.ml.model import ModelConfig
    from segue.engine.ml.training import TrainOptions, epoch_batches, train
    from tests.engine.ml.test_training import synthetic_tunes

    torch.set_num_threads(1)
    config = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
    options = TrainOptions(epochs=2, batch_size=4, warmup_steps=2, learning_rate=1e-2, seed=3, model=config)
    train_tunes, validation_tunes = synthetic_tunes(40, seed=1), synthetic_tunes(10, seed=2)
    result = train(options, out / "model", train_tunes=train_tunes, validation_tunes=validation_tunes,
                   progress=False, log=lambda _: None)
    rank = int(os.environ["RANK"])
    weights = {k: v.contiguous() for k, v in result.model.state_dict().items()}
    save_file(weights, str(out / f"rank{rank}.safetensors"))
    encoded, _ = encode_tunes(train_tunes, config.encoding)
    report = {
        "world": int(os.environ["WORLD_SIZE"]),
        "history": [{k: v for k, v in h.items() if k != "seconds"} for h in result.history],
        "single_process_batches": len(epoch_batches(encoded, options, 0, config.encoding.num_pitches)),
    }
    (out / f"rank{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    _train_as_one_rank(Path(sys.argv[1]))
