"""A description of the machine a run happened on, so that two reports can be compared fairly."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def usable_cores() -> int:
    """Cores this process may run on (affinity), which can be fewer than the machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def version_of(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_commit(cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cwd or Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def describe() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and the versions of the libraries that set the speed."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable_cores(), "ram_gb": ram_gb(),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "numpy": version_of("numpy"), "torch": version_of("torch"), "bandmate": version_of("bandmate"),
            "git": git_commit(), "load_average": [round(x, 2) for x in load] if load else None}


def describe_text(m: dict[str, Any]) -> str:
    return (f"{m['cpu']}, {m['usable_cores']}/{m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, Python "
            f"{m['python']}, numpy {m['numpy']}, torch {m['torch'] or '–'}, bandmate {m['bandmate']}"
            f"{' @ ' + m['git'] if m.get('git') else ''}"
            f"{', load ' + '/'.join(f'{x:.1f}' for x in m['load_average']) if m.get('load_average') else ''}")
