"""The Dash dashboard of a model directory (``multilabeltext dashboard --model DIR``).

* :mod:`.data`: :class:`~.data.DashboardData`, the model directory loaded once; metrics and table rows for
  any threshold vector (plain numpy, no Dash; the callbacks are thin wrappers around it).
* :mod:`.layout`: the page (components and their ids), :mod:`.callbacks`: what reacts to what,
  :mod:`.app`: :func:`~.app.build_app` and :func:`~.app.serve_dashboard`.

Nothing heavy is imported here.

Example (serves until Ctrl-C, so it is not run as a doctest)::

    from multilabeltext.viz.dashboard.app import build_app
    build_app("models/pyq-linear").run(port=8050)
"""
