"""The one function that runs every external program.

Arguments are logged, stderr goes to a per-program logger, a timeout is always
given, and failures become the project's own error types. Tests patch this one
place to simulate crashes and timeouts.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digitize.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Completed:
    stdout: bytes
    stderr: bytes
    returncode: int


def run(
    args: Sequence[str | Path],
    *,
    timeout: float,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> Completed:
    """Run `args` and return its output; raise on timeout, absence or (with check) failure.

    `env` entries are added to the current environment rather than replacing it.
    """
    if timeout <= 0:
        raise ValueError("every external call needs a positive timeout")
    program = Path(str(args[0])).name
    argv = [str(a) for a in args]
    log.debug("running %s (timeout %.0fs)", argv, timeout)
    full_env = None if env is None else {**os.environ, **env}
    try:
        proc = subprocess.run(
            argv,
            input=input_bytes,
            capture_output=True,
            timeout=timeout,
            env=full_env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise MissingDependencyError(f"{program} is not installed (not found on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ExternalTimeoutError(f"{program} ran past its {timeout:.0f} s timeout") from exc
    if proc.stderr:
        logging.getLogger(f"{__name__}.{program}").debug(
            "%s", proc.stderr.decode("utf-8", "replace").strip()
        )
    if check and proc.returncode != 0:
        detail = _last_line(proc.stderr)
        raise ExternalProgramError(f"{program} failed (exit {proc.returncode}): {detail}")
    return Completed(proc.stdout, proc.stderr, proc.returncode)


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"
