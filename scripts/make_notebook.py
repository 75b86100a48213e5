"""Write ``multilabeltext.ipynb``, the tutorial notebook, from the cells below (without outputs).

Edit the cells here and run ``.venv/bin/python scripts/make_notebook.py``; the test suite executes the
notebook (tests/test_notebook.py) in a fresh directory outside the checkout, on a dataset directory that
``processing.py`` wrote (the "prepare here, upload, train on Colab" case).

The notebook depends only on the installed package and its data: its first cell installs the package on
Colab (an uploaded wheel, else ``PACKAGE_URL``) and does nothing elsewhere; one parameter cell says where the
data is.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]

CELLS = [
    ("md", """# Predicting Stack Overflow tags: a tutorial

This notebook walks through **multi-label text classification** with `multilabeltext`: every question can
carry several tags (`pandas` *and* `numpy`), so the model answers one yes/no question per tag.

![the flow](flow.png)

The flow has one arrow per step, each one library function (and one command of the `multilabeltext` CLI):

1. **prepare**: a raw dump (here 1,000 real Python questions from Stack Overflow, 10 tags) becomes a
   dataset directory: clean text, tag lists, a train / validation / test split.
2. **word2vec**: word vectors learned from the training text (words used alike get close vectors).
3. **train**: an LSTM network reads each question word by word (starting from the Word2Vec vectors) and
   scores every tag; a threshold, tuned on the validation split, turns scores into tags.
4. **evaluate**: precision, recall and F1 on the test split, never seen in training, side by side with
   a fast linear model and with the original 2018 tutorial's LSTM.
5. **figures and report**: interactive Plotly figures, and one HTML file to share.

It runs on a laptop CPU in a few minutes, in this repository or in any folder, and on **Google Colab**
(choose a GPU runtime: the LSTM then trains on the GPU). The tutorial's own workflow: prepare the data
on your machine with `processing.py`, upload the dataset directory it writes (to Google Drive, or as a zip),
and point the parameter cell below at it. Outputs go to `$MULTILABELTEXT_WORK` (default `models/tutorial/`).

**On Colab**, the first cell installs `multilabeltext` (it keeps Colab's own TensorFlow, the GPU build):
from a wheel you uploaded to `/content` or to `My Drive/multilabeltext/` (build it with
`.venv/bin/pip wheel --no-deps . -w dist`), else from `PACKAGE_URL`. Anywhere else it does nothing."""),
    ("code", """# Colab only: install multilabeltext when it is missing. Anywhere else this cell does nothing.
import importlib.util
import subprocess
import sys
from pathlib import Path

IN_COLAB = "google.colab" in sys.modules
PACKAGE_URL = ""  # e.g. "git+https://github.com/<you>/multilabeltext.git", if you did not upload a wheel
if IN_COLAB and importlib.util.find_spec("multilabeltext") is None:
    wheels = sorted(Path("/content").glob("multilabeltext-*.whl"))
    if not wheels and Path("/content/drive/MyDrive/multilabeltext").is_dir():
        wheels = sorted(Path("/content/drive/MyDrive/multilabeltext").glob("multilabeltext-*.whl"))
    package = str(wheels[-1]) if wheels else PACKAGE_URL
    if not package:
        raise SystemExit("Upload multilabeltext-*.whl to /content (or My Drive/multilabeltext/), or set PACKAGE_URL.")
    # no [cpu]/[gpu] extra: Colab's TensorFlow (GPU build) is kept, not replaced
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)
    print("Colab: installed multilabeltext from", package)
else:
    print("install cell:", "Colab" if IN_COLAB else "not on Colab", "- multilabeltext is",
          "installed, nothing to do" if importlib.util.find_spec("multilabeltext") else "MISSING (pip install .[cpu])")"""),
    ("md", """### Where the data is

The one cell to edit. `DATA` is one of:

* `"sample"`: the 1,000-question pythonquestions sample, prepared here (it needs `../shared/datasets` beside
  the repository, or `$MULTILABELTEXT_DATASETS`);
* a **dataset directory** that `processing.py` (or `multilabeltext prepare`) wrote: on Colab the folder you
  copied to Google Drive, e.g. `"/content/drive/MyDrive/multilabeltext/pyq"` (Drive is mounted for you),
  or an uploaded and unzipped folder, e.g. `"/content/pyq"`;
* a list of **raw dump files**, e.g. `["Questions.csv", "Tags.csv", "Answers.csv"]`, prepared here with the
  `PREPARE` options (the same as `processing.py`'s)."""),
    ("code", """import os

DATA = os.environ.get("MULTILABELTEXT_DATA", "sample")
PREPARE = {"top_n": 10, "exclude_tags": ["python"]}  # raw dump files only: processing.py's options
WORK = Path(os.environ.get("MULTILABELTEXT_WORK", "models/tutorial"))
EPOCHS = int(os.environ.get("MULTILABELTEXT_EPOCHS", "0")) or None  # None: the lstm's default cap (early stopping)"""),
    ("code", """import time

import multilabeltext as mlt

STARTED = time.perf_counter()
DATASETS = Path(os.environ.get("MULTILABELTEXT_DATASETS", "../shared/datasets"))
SAMPLE = DATASETS / "pythonquestions-sample" / "predictions_for_plotly.csv"
if IN_COLAB and str(DATA).startswith("/content/drive"):
    from google.colab import drive

    drive.mount("/content/drive")
else:
    print("Drive:", "not needed" if IN_COLAB else "not on Colab, nothing to mount")
WORK.mkdir(parents=True, exist_ok=True)
print("data:", DATA, "| outputs:", WORK.resolve(), "| multilabeltext", mlt.__version__)"""),
    ("md", """## 1. Prepare the data

The sample is a CSV: `clean` holds a question's title, body and answers, `Actual` its tags (and
`Predictions` what the 2018 tutorial's LSTM predicted, which we keep for the comparison at the end).
`prepare` (what `processing.py` runs) reads it, drops empty or untagged rows, and splits it 80 / 10 / 10 so
that every tag reaches every part (an *iterative* split: with multi-label data a plain random split can leave
rare tags out of the test part). A dataset directory prepared elsewhere is used as it is."""),
    ("code", """if DATA == "sample":
    config = mlt.PrepareConfig(text_columns=["clean"], label_column="Actual", id_column="ParentId", jobs=1)
    dataset = mlt.prepare([SAMPLE], WORK / "data", config, force=True).out
elif isinstance(DATA, (list, tuple)):  # raw dump files
    dataset = mlt.prepare(list(DATA), WORK / "data", mlt.PrepareConfig(**PREPARE), force=True).out
else:  # a dataset directory processing.py wrote
    dataset = Path(DATA)
manifest = mlt.read_manifest(dataset)
# the 2018 LSTM's shipped predictions, for the comparisons: only for the 2018 sample, when its file is here
sources = [Path(f["path"]) for f in manifest["source"]["files"]]
REFERENCE_2018 = next((p for p in [*sources, SAMPLE] if p.name == SAMPLE.name and p.is_file()), None) if any(
    p.name == SAMPLE.name for p in sources) else None
print("dataset:", dataset, "| 2018 reference:", REFERENCE_2018 or "none (its comparison is left out)")
train = mlt.load_dataset(dataset, split="train")
print(mlt.read_manifest(dataset)["counts"]["splits"])
train[["id", "text", "tags"]].head(3)"""),
    ("md", """Each question gets 1.3 tags on average. The **tokenizer**, shared by every later step, lowercases,
drops stopwords and keeps programming names whole (`python-3.x`, `c++`, `.net`):"""),
    ("code", """tokens = mlt.tokenize(train.text[0])
print(len(tokens), "tokens:", tokens[:20])"""),
    ("md", """## 2. Word2Vec

Skip-gram Word2Vec (the 2018 tutorial's setup: 150 dimensions, a window of 10 words) learns a vector per word
from the **train and validation** text only: the test questions must stay unseen. Words that appear in
similar contexts end up close together, which gives the LSTM a head start."""),
    ("code", """from multilabeltext.embeddings import save_vectors

kv = mlt.train_word2vec([dataset], mlt.Word2VecConfig(workers=2))
vectors = save_vectors(kv, WORK / "vectors", force=True)
print(f"{len(kv):,} words x {kv.vector_size} dimensions")
mlt.most_similar(kv, "pandas", topn=5)"""),
    ("md", """The Word2Vec explorer puts a few tags and their nearest words in one picture (PCA flattens the
150 dimensions to 2; hover for the cosine similarity):"""),
    ("code", """from multilabeltext.viz import figures as fg

fg.word_neighbours(kv, ["pandas", "django", "matplotlib", "regex"], topn=6)"""),
    ("md", """## 3. Train an LSTM

The network: an embedding layer initialised with the Word2Vec vectors (and fine-tuned), a bidirectional LSTM
reading the words, max-pooling over time, and one sigmoid output per tag (a probability for each tag
independently, which is what makes it multi-label). `train` fits on the train split, stops early when the
validation loss stops improving (it says so when the epoch cap stopped it instead), tunes one global threshold on the validation split (every question gets at
least its best tag), measures on the test split, and writes a **model directory**."""),
    ("code", """import json

lstm_dir = WORK / "lstm"
params = {"epochs": EPOCHS} if EPOCHS else {}
lstm = mlt.train(dataset, lstm_dir, mlt.TrainConfig(model="lstm", vectors=str(vectors), params=params), force=True)
device = json.loads((lstm_dir / "model.json").read_text())["device"]
stopped = json.loads((lstm_dir / "history.json").read_text())[-1]["stopped"]
print(f"trained on {device['device']} ({device['name']}, {device['lstm_kernel']} LSTM kernel); "
      f"stopped: {stopped}")
print(f"fit {lstm.timings['fit_seconds']} s; test micro-F1 {lstm.metrics['test']['micro_f1']:.3f}")
sorted(p.name for p in lstm_dir.iterdir())"""),
    ("code", """data = fg.load_model_data(lstm_dir)
fg.training_curves(data.history)"""),
    ("md", """For comparison, the **linear** model: TF-IDF of word and character n-grams and one linear SVM per tag.
No word order, no GPU, seconds to train, and a strong baseline on short texts. It is *cross-fitted*: five
models, each trained without one fifth of the rows, score that fifth, so every training question gets an
honest score; the probabilities and the threshold are fitted on those, which matters when the validation
split is as small as here (100 questions)."""),
    ("code", """linear_dir = WORK / "linear"
linear = mlt.train(dataset, linear_dir, mlt.TrainConfig(model="linear"), force=True)
print(f"fit {linear.timings['fit_seconds']} s; test micro-F1 {linear.metrics['test']['micro_f1']:.3f}")"""),
    ("md", """## 4. Evaluate

*Precision*: of the tags we predicted, how many are right. *Recall*: of the true tags, how many we found.
*F1* is their harmonic mean; **micro**-F1 pools every (question, tag) decision, **macro**-F1 averages the
tags (rare tags count as much as frequent ones), *P@1* checks the single best-scored tag. The 2018 LSTM's
shipped predictions are scored on exactly the same test questions."""),
    ("code", """from multilabeltext.metrics import compare_table

report = mlt.evaluate_models([lstm_dir, linear_dir], reference_2018=REFERENCE_2018)
print(compare_table(report["models"], keys=("micro_f1", "macro_f1", "samples_f1", "p_at_1", "subset_accuracy")))"""),
    ("md", """## 5. Figures

Every figure is one function of `multilabeltext.viz.figures` taking plain data from the model directory.
First the data: how often each tag occurs, and which tags go together."""),
    ("code", """fg.tag_frequencies(data.tag_counts)"""),
    ("code", """fg.tag_cooccurrence(data.tag_lists, data.labels)"""),
    ("md", """Per tag: precision, recall and F1 on the test split, with the number of test questions per tag
(few questions, noisy numbers)."""),
    ("code", """fg.per_tag_scores(data.per_tag)"""),
    ("md", """Each tag's precision-recall curve: lowering a tag's threshold finds more of its questions (recall up)
but admits more mistakes (precision down). The stars show where the chosen threshold sits."""),
    ("code", """fg.precision_recall_curves(data.Y, data.proba, data.labels, data.threshold_vector)"""),
    ("code", """fg.f1_by_threshold(data.Y, data.proba, chosen=data.thresholds["global_"], min_tags=data.min_tags)"""),
    ("md", """The models side by side: ours, and the 2018 tutorial's LSTM on the same questions."""),
    ("code", """fg.model_comparison(fg.comparison_rows(lstm_dir, [linear_dir], reference_2018=REFERENCE_2018))"""),
    ("md", """The **map of the test questions**: each point is a question, placed by PCA of the scores the model
gave it (questions scored alike sit together) and coloured by its first actual tag. Crosses are questions
where no predicted tag was right: hover to read them, and see why the model hesitated."""),
    ("code", """from multilabeltext.modeldir import load_model
from multilabeltext.viz.projection import question_map_frame

bundle = load_model(lstm_dir)
frame = question_map_frame(bundle, data.predictions)
print(frame["outcome"].value_counts().to_dict())
fg.question_map(frame)"""),
    ("md", """## 6. Use the model

A model directory holds everything needed to predict: the network, its vocabulary and tokenizer, the
tuned threshold."""),
    ("code", """predictor = mlt.Predictor(lstm_dir)
for text in ["How do I plot a pandas dataframe with matplotlib?", "regex to match digits at the end of a string"]:
    print(text, "->", predictor.predict([text], top_k=3)[0])"""),
    ("md", """## 7. One report to share

All the figures above and a summary, in one HTML file that opens offline:"""),
    ("code", """from multilabeltext.viz.report import write_report

path = write_report(lstm_dir, WORK / "report.html", compare=[linear_dir], reference_2018=REFERENCE_2018)
print(f"report: {path} ({path.stat().st_size / 1e6:.1f} MB)")
print(f"notebook ran in {time.perf_counter() - STARTED:.0f} s")"""),
    ("md", """## The same flow from the command line

```bash
.venv/bin/python processing.py ../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv --out data/pyq \\
    --text-column clean --label-column Actual --id-column ParentId
.venv/bin/multilabeltext word2vec data/pyq --out models/pyq-vectors --similar pandas
.venv/bin/multilabeltext train data/pyq --out models/pyq-lstm --model lstm --vectors models/pyq-vectors
.venv/bin/multilabeltext evaluate models/pyq-lstm --reference-2018 ../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv
.venv/bin/multilabeltext report --model models/pyq-lstm
```

`make run` does all of it on the sample data. Next: try `--model ensemble`, the so-titles sample (50,000
titles, 100 tags), or your own Stack Exchange dump (`multilabeltext prepare --help`)."""),
]


def build() -> nbformat.NotebookNode:
    """The notebook, from :data:`CELLS`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
                for kind, src in CELLS]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    out = REPO / "multilabeltext.ipynb"
    nbformat.write(build(), out)
    print(f"wrote {out}")
