"""Shared bench helpers: machine description and appending dated results to RESULTS.md."""
import datetime
import os
import platform

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_flags_note():
    """`CPU flags: ...`: the vector-instruction flags that decide the kernels (AVX2, AVX-512, AMX)."""
    from gladnet_tf import cpu
    return "CPU flags: " + " ".join(sorted(f for f in cpu.cpu_flags() if f.startswith(("avx", "amx", "fma"))))


def versions():
    import tensorflow as tf
    return f"TensorFlow {tf.__version__}, Python {platform.python_version()}"


def append_results(title, table_lines, notes=()):
    """Prints a markdown table and appends it, dated, with the CPU and its flags, to bench/RESULTS.md."""
    header = (f"## {title}: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n\n"
              f"{cpu_model()}, {os.cpu_count()} cores; {versions()}\n{cpu_flags_note()}\n\n")
    block = header + "\n".join(table_lines) + "\n" + "".join(f"\n{n}" for n in notes) + "\n\n"
    print(block)
    with open(RESULTS, "a") as handle:
        handle.write(block)
