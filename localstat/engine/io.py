"""Reading and writing the engine's frames: CSV or Parquet, chosen by the file's extension.

CSV is read as text, every column as written, so a unit code keeps its leading zeros and a value is
carried through exactly as the user wrote it; the engine's schema helpers parse the columns it
needs and name the row and column of anything that will not parse. Parquet keeps its own types.
Floats are written at full precision (the shortest text that reads back as the same number),
never rounded, and rows keep their order. A file is written to a temporary name beside it and
renamed into place, so a failed run never leaves a half-written output.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
>>> write_frame(pl.DataFrame({"code": ["007"], "x": [0.1 + 0.2]}), path)
>>> path.read_text()
'code,x\\n007,0.30000000000000004\\n'
>>> read_frame(path).row(0)
('007', '0.30000000000000004')
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["FORMATS", "check_output", "read_frame", "write_frame", "write_json"]

#: File extensions the engine reads and writes, and the format each means.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"{path}: unknown file type '{path.suffix}' (use one of {known})") from None


def read_frame(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a CSV (every column as text) or Parquet file.

    Raises ``ValueError`` for an unknown extension, a missing file or a file that is not the
    format its name says.

    >>> read_frame("returns.xlsx")
    Traceback (most recent call last):
    ...
    ValueError: returns.xlsx: unknown file type '.xlsx' (use one of .csv, .parquet, .pq)
    """
    file = Path(path)
    kind = _format(file)
    if not file.is_file():
        raise ValueError(f"{file}: no such file")
    try:
        if kind == "csv":
            # Every column as text: inference would strip a code's leading zeros and round-trip a
            # value through a float the user never wrote.
            return pl.read_csv(file, infer_schema=False, glob=False)
        return pl.read_parquet(file, glob=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ValueError(f"{file}: cannot be read as {kind}: {error}") from error


def check_output(path: str | os.PathLike[str], *, formats: tuple[str, ...] | None = None) -> None:
    """Refuse an output path that cannot be written (unknown type, no such directory) up front.

    ``formats`` are the extensions allowed (default: the frame formats, :data:`FORMATS`).

    >>> check_output("nowhere/out.csv")
    Traceback (most recent call last):
    ...
    ValueError: nowhere/out.csv: the directory nowhere does not exist
    >>> check_output("run.txt", formats=(".json",))
    Traceback (most recent call last):
    ...
    ValueError: run.txt: unknown file type '.txt' (use .json)
    """
    file = Path(path)
    if formats is None:
        _format(file)
    elif file.suffix.lower() not in formats:
        raise ValueError(f"{file}: unknown file type '{file.suffix}' (use {', '.join(formats)})")
    directory = file.parent if str(file.parent) else Path(".")
    if not directory.is_dir():
        raise ValueError(f"{file}: the directory {directory} does not exist")


def write_frame(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a frame as CSV or Parquet by the path's extension, atomically.

    Floats keep full precision (Polars writes the shortest repr that reads back exactly); nulls
    are empty CSV cells.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rates.parquet"
    >>> write_frame(pl.DataFrame({"rate": [1 / 3, None]}), path)
    >>> read_frame(path)["rate"].to_list()
    [0.3333333333333333, None]
    """
    check_output(path)
    file = Path(path)
    kind = _format(file)
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    os.close(handle)
    try:
        if kind == "csv":
            frame.write_csv(temporary, float_precision=None, check_extension=False)
        else:
            frame.write_parquet(temporary)
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(record: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a record as indented JSON, atomically (a parameter record beside the frames).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.json"
    >>> write_json({"engine_version": "0.1.0"}, path)
    >>> path.read_text().splitlines()[1]
    '  "engine_version": "0.1.0"'
    """
    check_output(path, formats=(".json",))
    file = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=2, default=str)
            out.write("\n")
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
