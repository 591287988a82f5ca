"""classifier train / evaluate."""

from __future__ import annotations

from pathlib import Path

import click

from veille.commands.common import command, get_app, print_json
from veille.errors import UserError

# The hand-labelled seed set, beside the repository (shared/ is read-only data).
SEED = Path(__file__).resolve().parents[3] / "shared" / "data" / "labels" / "train.jsonl"


def _examples(path: Path):
    from classifier.data import load_examples

    try:
        return load_examples(path)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read labelled items: {exc}") from None


@click.group("classifier", help="Train and measure the classifier.")
def classifier_group() -> None:
    pass


@command(classifier_group.command, "train",
         help="Train a model on labelled items (train.jsonl format) and write it with its metadata.")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), default=SEED, show_default=True,
              help="Labelled items, one JSON object a line.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the model to (default: DATA_DIR/models/<version>, "
                   "which then becomes the model in use).")
def classifier_train(data: Path, out: Path | None) -> None:
    from classifier.data import file_sha256
    from classifier.model import save, train
    from veille import pipeline

    examples = _examples(data)
    model = train(examples, data_sha256=file_sha256(data))
    model.metadata["training_data"]["file"] = data.name
    if out is None:
        out = pipeline.install_model(get_app(), model, {"trained_by": "veille classifier train", "data": str(data)})
    else:
        save(model, out)
    extras = sum(x["n_examples"] for x in model.metadata["training_extras"].values())
    click.echo(f"model {model.version} trained on {len(examples)} items (+ {extras} in every fold's "
               f"training part), written to {out}")


@command(classifier_group.command, "retrain",
         help="Retrain on the seed + staff's gold labels; promote the new model only if it is not worse.")
@click.option("--seed", "seed", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Labelled items to start from (default: {SEED} when present, "
                   "else the labelled items shipped with the classifier).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def classifier_retrain(seed: Path | None, as_json: bool) -> None:
    from classifier.retrain import format_retrain
    from veille import pipeline

    if seed is not None:
        _examples(seed)  # a bad file is named here, before the lease and the run record
    report = pipeline.retrain(get_app(), seed)
    if as_json:
        print_json(report.to_json())
    else:
        click.echo(format_retrain(report), nl=False)


@command(classifier_group.command, "evaluate",
         help="Measure the model in use on labelled items: precision, recall, F1 per dimension and label.")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Labelled items in the train.jsonl format.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (relevance, purpose, themes, kind).")
def classifier_evaluate(data: Path, as_json: bool) -> None:
    from classifier.evaluate import evaluate, format_report
    from veille import pipeline

    examples = _examples(data)
    model = pipeline.load_model(get_app())
    result = evaluate(model, examples)
    if as_json:
        print_json(result)
    else:
        click.echo(f"model {model.version} on {len(examples)} items\n")
        click.echo(format_report(result))
