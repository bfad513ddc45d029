"""Reading files through ObsPy with errors that name the file."""

from __future__ import annotations


def read_or_explain(read, path, fmt: str, what: str):
    """read(str(path), format=fmt), turning a parse failure into ValueError naming the file;
    a missing file stays FileNotFoundError."""
    try:
        return read(str(path), format=fmt)
    except FileNotFoundError:
        raise
    except Exception as e:
        raise ValueError(f"{path}: not a readable {what} file ({type(e).__name__}: {e})") from None
