"""Install and find the Chromium that has a working WebNN on Linux.

Chromium's WebNN on Linux (LiteRT with the XNNPACK CPU delegate) is present in
the headless shell that the npm package ``@sparticuz/chromium`` ships
(version 153.0.0 is Chromium 153.0.8010.0); Debian's ``chromium`` package is
built without it.  :func:`install` runs ``npm install`` of that one package
into a cache folder and unpacks its brotli-compressed files with Node's
built-in ``zlib``:

- ``bin/chromium.br`` -> ``<cache>/bin/chromium`` (made executable);
- ``bin/swiftshader.tar.br`` -> the ANGLE/SwiftShader libraries, which must sit
  next to the binary even with ``--disable-gpu`` (without them
  ``createContext()`` rejects with "WebNN is disabled due to some unresolvable
  issues").

Nothing else is downloaded.  The browser needs ``libnss3`` and ``libexpat1``
from the system (``apt-get install -y libnss3 libexpat1``); :func:`check`
reports which shared libraries are missing.

The cache folder is ``$WEBNNPY_BROWSER_DIR`` if set, else
``$XDG_CACHE_HOME/webnnpy/chromium`` (``~/.cache/webnnpy/chromium``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NPM_PACKAGE",
    "NPM_VERSION",
    "BrowserNotInstalledError",
    "Installation",
    "check",
    "default_cache_dir",
    "find",
    "install",
]

NPM_PACKAGE = "@sparticuz/chromium"
NPM_VERSION = "153.0.0"

#: shared libraries the binary needs from the system, -> the Debian package
SYSTEM_LIBS = {"libnss3.so": "libnss3", "libnssutil3.so": "libnss3",
               "libsmime3.so": "libnss3", "libnspr4.so": "libnspr4",
               "libexpat.so.1": "libexpat1"}

_MARKER = "webnnpy-install.json"

# Node script: brotli-decompress argv[2] into argv[3] (Node's zlib has brotli).
_UNBROTLI = (
    "const fs=require('fs'),zlib=require('zlib');"
    "fs.writeFileSync(process.argv[2],"
    "zlib.brotliDecompressSync(fs.readFileSync(process.argv[1])));"
)


class BrowserNotInstalledError(RuntimeError):
    """The WebNN-capable Chromium is not installed (or cannot start here)."""


@dataclass
class Installation:
    """An installed browser: where it is and whether it can run here."""

    cache_dir: Path
    binary: Path
    version: str
    #: shared libraries the binary needs that the system lacks
    missing_libs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the binary exists and finds all its libraries."""
        return self.binary.is_file() and not self.missing_libs

    def problem(self) -> str | None:
        """Why the browser cannot run, in one sentence, or None."""
        if not self.binary.is_file():
            return (f"no browser at {self.binary}; run `webnnpy browser install`")
        if self.missing_libs:
            pkgs = sorted({SYSTEM_LIBS.get(lib, lib) for lib in self.missing_libs})
            return (f"the browser at {self.binary} misses the shared libraries "
                    f"{', '.join(self.missing_libs)}; install them with "
                    f"`apt-get install -y {' '.join(pkgs)}`")
        return None


def default_cache_dir() -> Path:
    """Where :func:`install` puts the browser by default."""
    env = os.environ.get("WEBNNPY_BROWSER_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "webnnpy" / "chromium"


def _missing_libs(binary: Path) -> list[str]:
    """The binary's shared libraries that the dynamic loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd is None or not binary.is_file():
        return []
    try:
        out = subprocess.run([ldd, str(binary)], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split()[0] for line in out.splitlines() if "not found" in line]


def check(cache_dir: str | os.PathLike[str] | None = None) -> Installation:
    """Describe the installation in ``cache_dir`` (which may be absent)."""
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    binary = root / "bin" / "chromium"
    version = ""
    marker = root / _MARKER
    if marker.is_file():
        try:
            version = json.loads(marker.read_text())["version"]
        except (ValueError, KeyError):
            version = ""
    return Installation(root, binary, version, _missing_libs(binary))


def find(cache_dir: str | os.PathLike[str] | None = None) -> Installation:
    """The installation, or raise :class:`BrowserNotInstalledError` saying
    what is wrong and how to fix it."""
    inst = check(cache_dir)
    problem = inst.problem()
    if problem is not None:
        raise BrowserNotInstalledError(problem)
    return inst


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BrowserNotInstalledError(
            f"{what} failed (exit {r.returncode}): {' '.join(cmd)}\n"
            f"{(r.stderr or r.stdout)[-2000:]}")


def install(cache_dir: str | os.PathLike[str] | None = None, *,
            force: bool = False, quiet: bool = True) -> Installation:
    """Install the WebNN-capable Chromium into ``cache_dir`` and return it.

    Runs ``npm install @sparticuz/chromium@153.0.0`` there (npm and node must
    be on PATH) and unpacks the browser.  Does nothing when the same version
    is already installed, unless ``force``.  Missing system libraries are
    reported in the result (``missing_libs``), not installed.

    Raises:
        BrowserNotInstalledError: npm/node are missing or a step failed.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    root = root.expanduser().resolve()
    inst = check(root)
    if not force and inst.binary.is_file() and inst.version == NPM_VERSION:
        return inst
    root.mkdir(parents=True, exist_ok=True)
    # One installer at a time (parallel test workers may all ask for it): the
    # others wait, then find it installed.
    with open(root / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        inst = check(root)
        if not force and inst.binary.is_file() and inst.version == NPM_VERSION:
            return inst
        return _install(root, quiet)


def _install(root: Path, quiet: bool) -> Installation:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise BrowserNotInstalledError(
            "installing the browser needs node and npm on PATH "
            "(e.g. `apt-get install -y nodejs npm`)")
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "package.json").is_file():
        (root / "package.json").write_text(
            json.dumps({"name": "webnnpy-chromium", "private": True}) + "\n")
    args = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
            f"{NPM_PACKAGE}@{NPM_VERSION}"]
    if quiet:
        args.append("--silent")
    _run(args, root, "npm install")
    pkg = root / "node_modules" / "@sparticuz" / "chromium" / "bin"
    bin_dir = root / "bin"
    if bin_dir.exists():
        shutil.rmtree(bin_dir)
    bin_dir.mkdir()
    _run([node, "-e", _UNBROTLI, str(pkg / "chromium.br"),
          str(bin_dir / "chromium")], root, "unpacking chromium.br")
    (bin_dir / "chromium").chmod(0o755)
    tar_path = root / "swiftshader.tar"
    _run([node, "-e", _UNBROTLI, str(pkg / "swiftshader.tar.br"), str(tar_path)],
         root, "unpacking swiftshader.tar.br")
    with tarfile.open(tar_path) as tf:
        tf.extractall(bin_dir, filter="data")
    tar_path.unlink()
    (root / _MARKER).write_text(json.dumps(
        {"package": NPM_PACKAGE, "version": NPM_VERSION}) + "\n")
    return check(root)
