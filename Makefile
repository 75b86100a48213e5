# Two commands on a fresh machine:  `make run` (install + main job)  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATASETS ?= ../shared/datasets
SAMPLES := $(DATASETS)/stackexchange-samples
PREPARE := $(BIN)/multilabeltext prepare --force

.PHONY: run install install-spark prepare-samples test bench lint clean

PYQ := $(DATASETS)/pythonquestions-sample/predictions_for_plotly.csv
MLT := TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/multilabeltext

run: install prepare-samples  ## install, then the whole flow on the real samples: prepare -> word2vec -> train -> evaluate -> report
# Word2Vec on one thread and the LSTM's TensorFlow op determinism: two runs on one machine give the same numbers.
	$(MLT) word2vec data/pythonquestions-sample --out models/pythonquestions-vectors --force --similar pandas --topn 5 \
	    --workers 1
	$(MLT) train data/pythonquestions-sample --out models/pythonquestions-lstm --model lstm \
	    --vectors models/pythonquestions-vectors --force --quiet --auxiliary data/so-titles --auxiliary-tag python
	$(MLT) train data/pythonquestions-sample --out models/pythonquestions-linear --force --quiet \
	    --auxiliary data/so-titles --auxiliary-tag python
	$(MLT) evaluate models/pythonquestions-lstm models/pythonquestions-linear --reference-2018 $(PYQ) --no-per-tag
	$(MLT) report models/pythonquestions-lstm --compare models/pythonquestions-linear \
	    --reference-2018 $(PYQ) --bench bench/results/models-summary.json
	@echo "Done: open models/pythonquestions-lstm/report.html in a browser (it works offline)."

install: $(VENV)/.installed  ## the pinned environment (requirements.txt) plus this package, editable

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install-spark: install  ## the optional Spark engine (pyspark, pinned in requirements-spark.txt; needs Java 17+)
	$(BIN)/pip install --quiet -r requirements-spark.txt

prepare-samples: install  ## the real samples under $(DATASETS) -> dataset directories under data/
	$(PREPARE) $(DATASETS)/pythonquestions-sample/predictions_for_plotly.csv --out data/pythonquestions-sample \
	    --text-column clean --label-column Actual --id-column ParentId
	$(PREPARE) $(DATASETS)/so-titles/so_titles.tsv --out data/so-titles --text-column title --label-column tags
	$(PREPARE) $(DATASETS)/cooking-stackexchange/cooking.stackexchange.txt --out data/cooking
	$(PREPARE) $(SAMPLES)/beer_se_AaronNie_Posts.xml --out data/beer --top-n 20
	$(PREPARE) $(SAMPLES)/so_sede_Maelys0903_QueryResults.csv $(SAMPLES)/so_sede_lalloretpilou_QueryResults.csv \
	    --out data/stackoverflow-sede --top-n 20 --min-tag-count 5

test: install install-spark  ## the test suite, the Spark engine's included (reads ../shared/datasets; needs Java 17+; 14-17 min on 2 cores, two workers)
	$(BIN)/python -m pytest -n 2

bench: install  ## prepare at the full Kaggle pythonquestions size (builds a ~2 GB dump under /tmp)
	$(BIN)/python bench/bench_prepare.py

lint: install
	$(BIN)/ruff check multilabeltext tests bench processing.py

clean:
	rm -rf $(VENV) .pytest_cache
