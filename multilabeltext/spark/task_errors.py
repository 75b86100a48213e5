"""A user error found inside a Spark task (bad bytes in an input file), carried to the driver as one.

A Python exception raised in an executor reaches the driver as a ``PythonException`` whose text holds the
worker's whole traceback. :func:`in_task` raises instead a ``RuntimeError`` holding one marked line of JSON
(the error's class, message, path, line, fix); :func:`from_job_failure` finds that line in the failure's
text and rebuilds the library's own error, which the CLI prints like any other (no stack trace).

Example:
    >>> from multilabeltext.errors import EncodingError
    >>> try:
    ...     in_task(EncodingError("Answers.csv", "utf-8", "byte 0xe9 is not valid utf-8", line=12))
    ... except RuntimeError as exc:
    ...     error = from_job_failure(Exception("Job aborted ...\\n" + str(exc) + "\\n  at org.apache..."))
    >>> type(error).__name__, error.line
    ('EncodingError', 12)
"""

from __future__ import annotations

import json

from .. import errors

MARK = "MULTILABELTEXT-USER-ERROR "


def in_task(error: errors.MultilabeltextError) -> None:
    """Raise ``error`` from inside a task so that the driver can rebuild it (:func:`from_job_failure`)."""
    fields = {"kind": type(error).__name__, "what": error.what, "path": None if error.path is None else str(error.path),
              "line": error.line, "fix": error.fix}
    raise RuntimeError(MARK + json.dumps(fields)) from None


def from_job_failure(exc: BaseException) -> errors.MultilabeltextError | None:
    """The user error a task raised with :func:`in_task`, if the failure ``exc`` holds one; else ``None``."""
    for line in str(exc).splitlines():
        at = line.find(MARK)
        if at < 0:
            continue
        try:
            fields = json.loads(line[at + len(MARK):])
        except json.JSONDecodeError:
            continue
        kind = getattr(errors, str(fields.get("kind")), None)
        if not (isinstance(kind, type) and issubclass(kind, errors.MultilabeltextError)):
            kind = errors.MultilabeltextError
        error = errors.MultilabeltextError.__new__(kind)
        errors.MultilabeltextError.__init__(error, fields["what"], path=fields.get("path"), line=fields.get("line"),
                                            fix=fields.get("fix"))
        return error
    return None


def first_line(exc: BaseException) -> str:
    """The line of a failed job's text that names the error (at most 400 characters), not its JVM stack trace.

    Example:
        >>> first_line(Exception("An error occurred\\norg.apache.spark.SparkException: Job aborted\\n  at org..."))
        'org.apache.spark.SparkException: Job aborted'
    """
    text = str(exc).strip()
    for line in text.splitlines():
        if "Error:" in line or "Exception:" in line:
            return line.strip()[:400]
    return text.splitlines()[0][:400] if text else type(exc).__name__


def job_failure(exc: BaseException, fix: str, detail: str | None = None) -> errors.MultilabeltextError:
    """What a command reports for a failed Spark job ``exc``: the user error a task raised (:func:`in_task`),
    else "the Spark job failed: ``detail``" (default: :func:`first_line`) with ``fix``, never a stack trace."""
    return from_job_failure(exc) or errors.MultilabeltextError(
        f"the Spark job failed: {detail or first_line(exc)}", fix=fix)
