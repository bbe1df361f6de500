"""
The benchmark peer of the drifter: the way teams build this today, a FastAPI service that
makes a pandas DataFrame with numpy and returns it with `to_csv` / `to_json`. It serves
the same table shape as the drifter (the credit-risk table of lib/schema.ts, 11 features
plus the label, numbers rounded to the same decimals; or the legacy feat0..featN table).

    python drifter_fastapi.py --port 8100
    GET /api/v1/data?rows=1000&seed=1&format=csv|json&schema=credit|legacy
"""
import argparse

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import Response

app = FastAPI()

EMPLOYMENT = ["salaried", "self_employed", "contractor", "unemployed"]
HOME = ["rent", "own", "mortgage"]
PURPOSE = ["car", "home", "education", "business", "medical"]
REGION = ["north", "south", "east", "west"]
INCOME_FACTOR = np.array([1.0, 1.15, 0.95, 0.3])
LOAN_FACTOR = np.array([1.0, 3.0, 1.2, 1.8, 0.6])


def credit_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    emp = rng.choice(4, size=rows, p=[0.62, 0.15, 0.15, 0.08])
    home = rng.choice(3, size=rows, p=[0.42, 0.18, 0.40])
    purpose = rng.choice(5, size=rows, p=[0.30, 0.20, 0.15, 0.15, 0.20])
    region = rng.choice(4, size=rows, p=[0.25, 0.30, 0.20, 0.25])
    z = rng.standard_normal((7, rows))
    age = np.clip(np.round(42 + 12 * z[0]), 18, 100)
    age_factor = 1 + 0.008 * (np.minimum(age, 65) - 42)
    income = np.clip(np.round(np.exp(np.log(52000) + 0.45 * z[1]) * INCOME_FACTOR[emp] * age_factor, 2), 0, 1e7)
    loan = np.clip(np.round(np.exp(np.log(12000) + 0.6 * z[2]) * LOAN_FACTOR[purpose], 2), 0, 5e6)
    credit = np.clip(np.round(680 + 55 * z[3] + 0.8 * (age - 42)), 300, 850)
    dti = np.clip(np.round(np.exp(np.log(0.3) + 0.45 * z[4]), 4), 0, 10)
    months = np.where(emp == 3, 0, np.clip(np.round(np.exp(np.log(48) + 0.9 * z[5])), 0, np.minimum(960, (age - 16) * 12)))
    accounts = np.clip(np.round(6 + 3 * z[6]), 0, 200)
    logit = (
        -1.2
        - 1.1 * (credit - 680) / 60
        + 0.9 * (dti - 0.35) / 0.15
        + 2.2 * (loan / np.maximum(income, 1000) - 0.3)
        - 0.35 * np.minimum(months, 240) / 60
        - 0.15 * (age - 42) / 12
        + np.where(emp == 3, 1.4, np.where(emp == 2, 0.4, 0.0))
        - np.where(home == 1, 0.3, 0.0)
        + np.where(purpose == 3, 0.5, np.where(purpose == 4, 0.3, 0.0))
    )
    return pd.DataFrame(
        {
            "age": age.astype(np.int64),
            "income": income,
            "loan_amount": loan,
            "credit_score": credit.astype(np.int64),
            "debt_to_income": dti,
            "months_employed": months.astype(np.int64),
            "num_open_accounts": accounts.astype(np.int64),
            "employment_type": np.array(EMPLOYMENT)[emp],
            "home_ownership": np.array(HOME)[home],
            "loan_purpose": np.array(PURPOSE)[purpose],
            "region": np.array(REGION)[region],
            "default": (logit > 0).astype(np.int64),
        }
    )


def legacy_frame(rows: int, seed: int, cols: int = 12, drift_prob: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    means = np.where(rng.random(cols) < drift_prob, rng.random(cols), 0.0)
    data = np.round(rng.standard_normal((rows, cols)) + means, 6)
    return pd.DataFrame(data, columns=[f"feat{i}" for i in range(cols)])


@app.get("/api/v1/data")
def data(
    rows: int = Query(1000, ge=1, le=1_000_000),
    seed: int = Query(0, ge=0),
    format: str = Query("csv", pattern="^(csv|json)$"),
    schema: str = Query("credit", pattern="^(credit|legacy)$"),
) -> Response:
    df = credit_frame(rows, seed) if schema == "credit" else legacy_frame(rows, seed)
    if format == "csv":
        return Response(df.to_csv(index=False), media_type="text/csv")
    if format == "json":
        return Response(df.to_json(orient="records"), media_type="application/json")
    raise HTTPException(400, "format must be csv or json")


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
