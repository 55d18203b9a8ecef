#!/usr/bin/env python3
"""Pandas peer of `benches/report.rs`: reads a run's series files the way a pandas script
would and reduces them to what the charts draw (x extent; per pixel column the first, min,
max and last point of every trace; gap and dropout counts; camera counter totals; the
first-frame latency histogram), a multi-sample run's `<ITEM>/sample-<N>/camera-*.csv` included. No drawing: compare with the Rust reading, not the PNGs.

Usage: FACEBENCH_REPORT_DIR=/tmp/runs cargo bench --bench report   # writes the runs, keeps them
       python3 benches/peers/report_peer.py /tmp/runs/one-unit [repeats]
       python3 benches/peers/report_peer.py /tmp/runs/16-units [repeats]
Prints the best wall time over the repeats, rows read and peak RSS of this process.
"""

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

PLOT_COLUMNS = 1200


def decimate(x, y, start, end):
    """First, min, max and last point of y per pixel column over start..end."""
    width = (end - start) / PLOT_COLUMNS if end > start else 1.0
    column = np.clip(((x - start) // width).astype(np.int64), 0, PLOT_COLUMNS - 1)
    frame = pd.DataFrame({"c": column, "x": x, "y": y}).dropna()
    g = frame.groupby("c")["y"]
    return pd.concat([g.first(), g.min(), g.max(), g.last()], axis=1), int(y.isna().sum())


def read_streams(folder, summary, prefix):
    """The camera streams of one folder (an item, or one sample of a multi-sample run)."""
    rows = 0
    streams = {}
    for stream in ["rgb", "ir", "depth"]:
        path = folder / f"camera-{stream}.csv"
        if path.exists():
            streams[stream] = pd.read_csv(path, skipinitialspace=True)
            rows += len(streams[stream])
    if streams:
        start = min(df["elapsed_s"].min() for df in streams.values())
        end = max(df["elapsed_s"].max() for df in streams.values())
        for stream, df in streams.items():
            for col in ["fps", "luma_mean", "luma_p5", "luma_p95"]:
                summary[f"{prefix}{stream}.{col}"] = decimate(df["elapsed_s"], df[col], start, end)
            summary[f"{prefix}{stream}.totals"] = df[
                ["device_drops", "harness_drops", "stalls", "error_frames"]
            ].sum()
    return rows


def read_item(item):
    rows = 0
    summary = {}
    chamber = item / "chamber.csv"
    if chamber.exists():
        df = pd.read_csv(chamber, skipinitialspace=True)
        rows += len(df)
        start, end = df["elapsed_s"].min(), df["elapsed_s"].max()
        for col in ["temp_pv", "temp_sp", "rh_pv", "rh_sp"]:
            summary[f"chamber.{col}"] = decimate(df["elapsed_s"], df[col], start, end)
        gap = df["temp_pv"].isna()
        summary["chamber.gaps"] = int((gap & ~gap.shift(fill_value=False)).sum())
        summary["chamber.phases"] = int((df["phase"] != df["phase"].shift()).sum())
    thermal = item / "thermal.csv"
    if thermal.exists():
        df = pd.read_csv(thermal, skipinitialspace=True)
        rows += len(df)
        start, end = df["elapsed_s"].min(), df["elapsed_s"].max()
        for col in df.columns:
            if col not in ("elapsed_s", "utc", "note"):
                summary[f"thermal.{col}"] = decimate(df["elapsed_s"], df[col], start, end)
    rows += read_streams(item, summary, "")
    for sample in sorted(item.glob("sample-*")):
        rows += read_streams(sample, summary, f"{sample.name}.")
    cycles = item / "camera-cycles.csv"
    if cycles.exists():
        df = pd.read_csv(cycles, skipinitialspace=True, keep_default_na=False)
        rows += len(df)
        ok = pd.to_numeric(df["first_frame_ms"], errors="coerce")[df["error"] == ""]
        summary["latency"] = np.histogram(ok.dropna(), bins=30)
    intervals = item / "camera-intervals.csv"
    if intervals.exists():
        df = pd.read_csv(intervals)
        rows += len(df)
        summary["intervals"] = df[df["count"] > 0]
    return rows, summary


def main():
    run = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    best = None
    for _ in range(repeats):
        began = time.perf_counter()
        rows = 0
        for item in sorted((run / "series").iterdir()):
            read, _ = read_item(item)
            rows += read
        took = time.perf_counter() - began
        best = took if best is None else min(best, took)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"pandas {pd.__version__}, numpy {np.__version__}: {rows} rows, "
        f"best of {repeats}: {best:.3f} s ({rows / best / 1e6:.2f} M rows/s), "
        f"peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
