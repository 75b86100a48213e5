"""Pictures of the flow: Plotly figures, the self-contained HTML report, the 2-D question map.

Nothing heavy is imported here; each module imports plotly, pandas or scikit-learn when used.

* :mod:`multilabeltext.viz.figures`: one function per figure, each taking plain data (frames, arrays,
  dicts read from a model directory) and returning a ``plotly.graph_objects.Figure``;
  :func:`~multilabeltext.viz.figures.load_model_data` reads what they need from a model directory.
* :mod:`multilabeltext.viz.projection`: :func:`~multilabeltext.viz.projection.question_map_frame`, the
  test questions as 2-D points (PCA or t-SNE of document vectors) with their actual and predicted tags.
* :mod:`multilabeltext.viz.report`: :func:`~multilabeltext.viz.report.write_report`, one HTML file that
  opens offline (``multilabeltext report --model DIR``).

Example (needs a trained model directory, so it is not run as a doctest)::

    from multilabeltext.viz.figures import load_model_data, per_tag_scores
    data = load_model_data("models/pyq-linear")
    per_tag_scores(data.per_tag).show()
"""
