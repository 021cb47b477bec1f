"""Build the C twin of a numba kernel, for the benchmarks' numba-vs-C ratios.

Several benchmarks time a numba kernel against the same loop written in C
(``benchmarks/c/*.c``, or a string in the script). This module's one job is
compiling that twin with gcc: as a library loaded through ctypes, or as a
program for the twins that time themselves and print their result. Each
benchmark passes its own gcc flags and sets up its own ctypes signatures.
"""

import ctypes
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np


def build(source, out_dir, *, flags, numpy_random=False, program=False):
    """Compile the C twin of a kernel with gcc.

    Parameters
    ----------
    source : path-like or str
        The C file as a path-like (e.g. ``pathlib.Path``), or the C source
        itself as a ``str``, which is written to ``out_dir`` first.
    out_dir : path-like
        An existing directory to build in; a program built there runs from it.
    flags : sequence of str
        The gcc flags, in full: each benchmark's ratio was measured with its
        own. ``-shared -fPIC`` follow them when a library is built.
    numpy_random : bool, default=False
        Compile against numpy's headers and link numpy's static
        ``libnpyrandom.a``, for twins that draw from a numpy ``bitgen_t``.
    program : bool, default=False
        Build a program instead of a shared library.

    Returns
    -------
    built : ctypes.CDLL or str or None
        The loaded library, or with ``program=True`` the program's path;
        None where it cannot be built.
    why_not : str or None
        Why it cannot be built (gcc or numpy's library missing); None when
        built.

    Raises
    ------
    subprocess.CalledProcessError
        If gcc rejects the source: a broken twin is a bug, not a skip.
    """
    gcc = shutil.which("gcc")
    if gcc is None:
        return None, "gcc not found"
    numpy_args = []
    if numpy_random:
        lib = Path(np.__file__).parent / "random" / "lib" / "libnpyrandom.a"
        if not lib.exists():
            return None, f"{lib} not found"
        numpy_args = [f"-I{np.get_include()}", str(lib)]
    if isinstance(source, os.PathLike):
        stem = Path(source).stem
    else:
        # named by content: dlopen returns the library already loaded from a
        # path, so two different twins must never share one file name
        stem = "twin_" + hashlib.sha1(source.encode()).hexdigest()[:12]
        text, source = source, Path(out_dir) / f"{stem}.c"
        source.write_text(text)
    if program:
        out, shared = os.path.join(out_dir, stem), []
    else:
        out, shared = os.path.join(out_dir, f"lib{stem}.so"), ["-shared", "-fPIC"]
    subprocess.run(
        [gcc, *flags, *shared, "-o", out, str(source), *numpy_args, "-lm"],
        check=True,
    )
    return (out if program else ctypes.CDLL(out)), None
