"""Oracle for tests/stats: scipy and Evidently (legacy stattests, DataDriftPreset).

Usage: oracle.py REQUEST.json -> prints one JSON object {"results": [...]} on stdout.
The request holds many cases so that one process serves a whole test file. Numeric
samples are little-endian float64 files (NaN = missing), categorical samples JSON
lists (null = missing). Cleaning is Evidently's: +-inf -> NaN, drop NaN.
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

warnings.filterwarnings("ignore")

from evidently.legacy.calculations.stattests import (  # noqa: E402
    chi_stat_test,
    hellinger_stat_test,
    jensenshannon_stat_test,
    kl_div_stat_test,
    ks_stat_test,
    psi_stat_test,
    wasserstein_stat_test,
    z_stat_test,
)
from evidently.legacy.calculations.stattests.registry import _get_default_stattest  # noqa: E402
from evidently.legacy.core import ColumnType  # noqa: E402

STATTESTS = {
    "ks": ks_stat_test,
    "chisquare": chi_stat_test,
    "z": z_stat_test,
    "wasserstein": wasserstein_stat_test,
    "psi": psi_stat_test,
    "kl_div": kl_div_stat_test,
    "jensenshannon": jensenshannon_stat_test,
    "hellinger": hellinger_stat_test,
}
BY_DISPLAY = {t.display_name: name for name, t in STATTESTS.items()}


def load(spec):
    if spec["kind"] == "num":
        values = np.fromfile(spec["file"], dtype="<f8")
        # "int64": the column as pandas reads a CSV of whole numbers without gaps.
        return pd.Series(values.astype(spec["dtype"]) if "dtype" in spec else values)
    with open(spec["file"]) as f:
        return pd.Series(json.load(f), dtype="object")


def clean(s):
    return s.replace([-np.inf, np.inf], np.nan).dropna()


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def ftype(t):
    return ColumnType.Numerical if t == "num" else ColumnType.Categorical


def run_case(case):
    op = case["op"]
    if op == "fn":
        name, args = case["name"], case["args"]
        fns = {
            "chi2.sf": lambda x, df: stats.chi2.sf(x, df),
            "norm.sf": lambda z: stats.norm.sf(z),
            "kstwo.sf": lambda d, n: stats.kstwo.sf(d, n),
            "smirnov": lambda n, d: special.smirnov(int(n), d),
            "kolmogorov": lambda x: special.kolmogorov(x),
            "gammaincc": lambda a, x: special.gammaincc(a, x),
            "gammainc": lambda a, x: special.gammainc(a, x),
            "gammaln": lambda x: special.gammaln(x),
        }
        return {"value": num(fns[name](*args))}
    ref = clean(load(case["reference"]))
    cur = clean(load(case["current"]))
    if op == "ks_2samp":
        r = stats.ks_2samp(ref.to_numpy(), cur.to_numpy())
        return {"statistic": num(r.statistic), "pvalue": num(r.pvalue)}
    if op == "wasserstein_distance":
        return {"value": num(stats.wasserstein_distance(ref.to_numpy(), cur.to_numpy()))}
    if op == "stattest":
        t = STATTESTS[case["stattest"]]
        res = t(ref, cur, ftype(case["type"]), case.get("threshold"))
        return {"score": num(res.drift_score), "detected": bool(res.drifted), "threshold": num(res.actual_threshold)}
    if op == "default":
        return {"stattest": BY_DISPLAY[_get_default_stattest(ref, cur, ftype(case["type"])).display_name]}
    raise ValueError(f"unknown op {op}")


def run_preset(case):
    import time

    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.pipeline.column_mapping import ColumnMapping
    from evidently.legacy.report import Report

    ref = pd.DataFrame({c: load(s) for c, s in case["reference"].items()})
    cur = pd.DataFrame({c: load(s) for c, s in case["current"].items()})
    kw = {k: case[k] for k in ("drift_share", "stattest", "stattest_threshold", "per_column_stattest") if k in case}
    seconds = []
    cpu_seconds = []
    for _ in range(int(case.get("repeats", 1))):
        # Timed for bench/stats.ts: the drift computation and its result, data already in memory.
        t0 = time.perf_counter()
        c0 = time.process_time()
        report = Report(metrics=[DataDriftPreset(**kw)])
        report.run(
            reference_data=ref,
            current_data=cur,
            column_mapping=ColumnMapping(
                numerical_features=case["numerical"], categorical_features=case["categorical"], target=None, prediction=None
            ),
        )
        metrics = report.as_dict()["metrics"]
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
    out = {"seconds": seconds, "cpu_seconds": cpu_seconds}
    for m in metrics:
        if m["metric"] == "DataDriftTable":
            r = m["result"]
            out["dataset_drift"] = bool(r["dataset_drift"])
            out["number_of_columns"] = r["number_of_columns"]
            out["number_of_drifted_columns"] = r["number_of_drifted_columns"]
            out["share_of_drifted_columns"] = num(r["share_of_drifted_columns"])
            out["columns"] = drift_columns(r)
    # DataDriftTable always uses drift_share 0.5 (the preset passes drift_share to
    # DatasetDriftMetric only), so the dataset verdict comes from DatasetDriftMetric.
    for m in metrics:
        if m["metric"] == "DatasetDriftMetric":
            out["dataset_drift"] = bool(m["result"]["dataset_drift"])
            out["drift_share"] = num(m["result"]["drift_share"])
    return out


def drift_columns(result):
    """A DataDriftTable result's per-column verdicts, with our method id beside Evidently's name."""
    return {
        c: {
            "column_type": v["column_type"],
            "stattest_name": v["stattest_name"],
            "stattest": BY_DISPLAY.get(v["stattest_name"]),
            "stattest_threshold": num(v["stattest_threshold"]),
            "drift_score": num(v["drift_score"]),
            "drift_detected": bool(v["drift_detected"]),
        }
        for c, v in result["drift_by_columns"].items()
    }


def plain(v):
    """A cell as JSON: None for missing, bool, int, float or str (what pandas holds)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return num(v)
    return str(v)


def run_csv(case):
    """Two CSV files read by pandas.read_csv with its defaults, then DataDriftPreset with
    the default column mapping: what a user of Evidently gets from the same files."""
    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.report import Report

    ref = pd.read_csv(case["reference"])
    cur = pd.read_csv(case["current"])
    out = {}
    if case.get("values", True):
        out["read"] = {
            side: {c: {"dtype": str(df[c].dtype), "values": [plain(v) for v in df[c].tolist()]} for c in df.columns}
            for side, df in (("reference", ref), ("current", cur))
        }
    kw = {k: case[k] for k in ("stattest", "stattest_threshold") if k in case}
    try:
        report = Report(metrics=[DataDriftPreset(**kw)])
        report.run(reference_data=ref, current_data=cur)
        metrics = report.as_dict()["metrics"]
    except Exception as e:  # Evidently refuses the data: the test checks we say why too
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    for m in metrics:
        if m["metric"] == "DataDriftTable":
            out["columns"] = drift_columns(m["result"])
    return out


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    results = []
    for case in req["cases"]:
        try:
            results.append(run_preset(case) if case["op"] == "preset" else run_csv(case) if case["op"] == "csv" else run_case(case))
        except Exception as e:  # reported per case, so one bad case does not hide the others
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
