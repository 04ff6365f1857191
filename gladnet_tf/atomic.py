"""Atomic output files: write to a temporary name beside the target, then rename."""
import contextlib
import os
import tempfile


class OutputExistsError(FileExistsError):
    """The output exists and overwriting was not asked for."""


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, overwrite=False):
    """Yields a temporary path in the target's folder; renames it to `path` on success.

    The temporary name keeps the target's full suffix (`.weights.h5`, `.png`) because writers
    choose their format from it. On any error the temporary file is removed and `path` is untouched.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise OutputExistsError(f"{path}: exists (pass --overwrite to replace it)")
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + name, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
