"""A learnt model on disk: ``NAME.safetensors``, ``NAME.json`` and the human card ``NAME.md``,
written all or nothing (:func:`save_learned`), for :mod:`engine.ml.style_learning`."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from segue.engine.files import FileProblem, write_atomically, write_reason
from segue.engine.ml.catalog import model_paths
from segue.engine.ml.checkpoint import save_model

if TYPE_CHECKING:
    from segue.engine.learn import StyleMaterial
    from segue.engine.ml.style_learning import LearnResult


class ModelWriteError(FileProblem):
    """The learnt model could not be written; nothing half-written is left."""

    action = "save the model"


def card_markdown(result: LearnResult, material: StyleMaterial) -> str:
    """The human card, ``NAME.md``."""
    return (
        f"# Model card: {result.name}\n\n"
        f"Learnt with Segue's Learn a Style from `{material.source}` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d}: {material.files} files, {result.pieces} pieces "
        f"learnt from, {result.held_out} held out to measure"
        f"{f', {len(material.unreadable)} files unreadable' if material.unreadable else ''}"
        f"{f', {result.skipped} pieces outside the model' if result.skipped else ''}.\n\n"
        f"Started from the model `{result.base_model}` (its shape and its weights; see its card "
        f"for the data it learnt from), fine-tuned for {result.seconds / 60:.1f} minutes, "
        f"{result.epochs} epochs ({result.stopped}).\n\n"
        f"| held-out pieces | total bits/note |\n| --- | --- |\n"
        f"| `{result.base_model}` before | {result.base_bits:.3f} |\n"
        f"| `{result.name}` after | {result.best_bits:.3f} ({result.ratio:.2f} x) |\n"
    )


def save_learned(model, out: str | os.PathLike, markdown: str) -> Path:
    """Write NAME.safetensors, NAME.json and NAME.md, all or nothing; returns the card's path.

    Written into a staging folder beside the destination, then renamed into place (a rename
    needs no space), the card last so the chooser never lists a model without its weights.
    ModelWriteError (naming the model and the reason) when that fails.
    """
    card_path, weights_path = model_paths(out)
    markdown_path = card_path.with_suffix(".md")
    staging = None
    try:
        card_path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{card_path.stem[:40]}.", suffix=".learning",
                                        dir=card_path.parent))
        staged_card, staged_weights = model_paths(save_model(model, staging / card_path.stem))
        staged_markdown = staging / markdown_path.name
        write_atomically(staged_markdown, markdown.encode("utf-8"))
        for staged, final in ((staged_weights, weights_path), (staged_markdown, markdown_path),
                              (staged_card, card_path)):
            os.replace(staged, final)
    except OSError as error:
        raise ModelWriteError(card_path.with_suffix(""), write_reason(error)) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return card_path
