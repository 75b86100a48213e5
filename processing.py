#!/usr/bin/env python
"""The 2018 tutorial's entry point: the ``prepare`` command (same options), with the tutorial's workflow in its help.

    .venv/bin/python processing.py ../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv \\
        --out data/pyq --text-column clean --label-column Actual --id-column ParentId

Prepare here, upload the dataset directory, train there (Colab, GPU): see ``processing.py --help`` and the
README's "Prepare here, train on Colab". ``multilabeltext prepare --help`` is the same command.
"""

WORKFLOW_HELP = """
[bold]Prepare here, upload, train on a Colab GPU[/bold] (the tutorial's workflow)

  1. Here: [cyan]python processing.py <your dump> --out data/pyq[/cyan] with any options above. OUT is the whole \
dataset: manifest.json, labels.json, train/validation/test.parquet (a few MB for 1,000 questions).

  2. Upload the [bold]OUT directory[/bold], not the raw dump: copy the folder to Google Drive (e.g. My \
Drive/multilabeltext/pyq), or zip it ([cyan]cd data && python -m zipfile -c pyq.zip pyq[/cyan]) and upload and unzip it on Colab.

  3. On Colab: open multilabeltext.ipynb, choose a GPU runtime, set DATA in its parameter cell to the folder \
(/content/drive/MyDrive/multilabeltext/pyq: the notebook mounts Drive; or /content/pyq) and run all. Its \
first cell installs multilabeltext and keeps Colab's TensorFlow; the LSTM trains on the GPU (fused cuDNN \
kernel) and model.json records the device.

  4. Download the model directory it writes to predict, serve or report here.
"""


def main() -> None:
    """``processing.py``: the prepare command with the workflow above appended to its help."""
    import typer

    from multilabeltext.cli.prepare import PREPARE_HELP, prepare_command
    from multilabeltext.signals import terminate_like_interrupt

    single = typer.Typer(add_completion=False, rich_markup_mode="rich", pretty_exceptions_enable=False)
    single.command(help=PREPARE_HELP + WORKFLOW_HELP, no_args_is_help=True)(prepare_command)
    terminate_like_interrupt()
    single()


if __name__ == "__main__":
    main()
