"""The peer of `npm run drift` in bench/driftjob.ts: what the Airflow DAG did every hour.

Reads two CSV files with pandas, runs Evidently's DataDriftPreset (legacy Report API, as
the DAG used it), saves report.json and report.html, and prints one JSON line with the
drift decision per column so the benchmark can compare decisions with ours.

usage: python evidently_drift.py REFERENCE.csv CURRENT.csv OUT_DIR
"""
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")

def main() -> None:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ref_path, cur_path, out = sys.argv[1:]
    t0 = time.time()
    import pandas as pd
    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.report import Report

    t_import = time.time()
    reference = pd.read_csv(ref_path)
    current = pd.read_csv(cur_path)
    t_read = time.time()
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=reference, current_data=current)
    t_run = time.time()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "report.json"), "w") as f:
        f.write(report.json())
    report.save_html(os.path.join(out, "report.html"))
    t_save = time.time()

    table = None
    dataset = None
    for m in report.as_dict()["metrics"]:
        r = m.get("result", {})
        if "drift_by_columns" in r:
            table = r["drift_by_columns"]
        if "dataset_drift" in r and "number_of_drifted_columns" in r:
            dataset = r
    columns = {
        name: {"drift_detected": bool(c["drift_detected"]), "stattest_name": c["stattest_name"], "drift_score": float(c["drift_score"])}
        for name, c in (table or {}).items()
    }
    print(
        json.dumps(
            {
                "dataset_drift": bool(dataset["dataset_drift"]) if dataset else None,
                "number_of_drifted_columns": int(dataset["number_of_drifted_columns"]) if dataset else None,
                "columns": columns,
                "seconds": {"import": t_import - t0, "read": t_read - t_import, "run": t_run - t_read, "save": t_save - t_run},
            }
        )
    )


if __name__ == "__main__":
    main()
