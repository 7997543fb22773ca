"""The machine a benchmark ran on (CPU model, cores, RAM, Python), for its JSON figures."""

import os
import platform
import subprocess


def machine() -> dict:
    info = {"python": platform.python_version()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        info["cpu_model"] = fields.get("Model name", "").strip()
        info["cpus"] = int(fields.get("CPU(s)", "0").strip() or 0)
    except OSError:
        info["cpus"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            info["ram_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info
