"""
The benchmark peer of the model API: the usual FastAPI + scikit-learn service.

    python modelapi_fastapi.py --train train.csv --model model.json --port 8123

At start-up it fits the same model as ours on the same training rows (the same split
seed is not needed: the bench compares serving, and checks that both models agree) with
scikit-learn's standard pipeline: numeric -> SimpleImputer(mean, add_indicator) +
StandardScaler; categorical -> SimpleImputer(constant "__missing__") + OneHotEncoder
(min_frequency=5, infrequent/unseen -> one bucket); LogisticRegression with the same L2
strength (C = 1 / (l2 * n_train)). Requests are validated with pydantic (the same bounds as
lib/schema.ts), scored with predict_proba on a DataFrame, and answered in our API's shape.
"""
import argparse
import json
import uuid
from typing import List, Optional, Union

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["age", "income", "loan_amount", "credit_score", "debt_to_income", "months_employed", "num_open_accounts"]
CATEGORICAL = ["employment_type", "home_ownership", "loan_purpose", "region"]
CATEGORY = r"^[a-z0-9_]{1,40}$"
Num = Optional[Union[StrictInt, StrictFloat]]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: Optional[StrictInt] = Field(..., ge=18, le=100)
    income: Num = Field(..., ge=0, le=10_000_000)
    loan_amount: Num = Field(..., ge=0, le=5_000_000)
    credit_score: Optional[StrictInt] = Field(..., ge=300, le=850)
    debt_to_income: Num = Field(..., ge=0, le=10)
    months_employed: Optional[StrictInt] = Field(..., ge=0, le=960)
    num_open_accounts: Optional[StrictInt] = Field(..., ge=0, le=200)
    employment_type: Optional[str] = Field(..., pattern=CATEGORY)
    home_ownership: Optional[str] = Field(..., pattern=CATEGORY)
    loan_purpose: Optional[str] = Field(..., pattern=CATEGORY)
    region: Optional[str] = Field(..., pattern=CATEGORY)
    default: Optional[int] = Field(None, ge=0, le=1)


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: List[Row] = Field(..., min_length=1, max_length=1000)


def build_pipeline(l2: float, n_train: int) -> Pipeline:
    numeric = Pipeline([("impute", SimpleImputer(strategy="mean", add_indicator=True)), ("scale", StandardScaler())])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)),
    ])
    pre = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
    return Pipeline([("pre", pre), ("clf", LogisticRegression(C=1.0 / (l2 * n_train), max_iter=1000))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True, help="training CSV (features + default)")
    ap.add_argument("--model", required=True, help="our model JSON (for the version, l2 and threshold)")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()

    ours = json.load(open(args.model))
    df = pd.read_csv(args.train, dtype={c: "object" for c in CATEGORICAL})
    x, y = df[NUMERIC + CATEGORICAL], df["default"].astype(int)
    pipe = build_pipeline(float(ours["training"]["l2"]), len(df))
    pipe.fit(x, y)
    version = str(ours["version"])
    threshold = float(ours["threshold"])
    columns = NUMERIC + CATEGORICAL

    app = FastAPI()

    def score(rows: List[Row]):
        frame = pd.DataFrame([r.model_dump(include=set(columns)) for r in rows], columns=columns)
        for c in NUMERIC:
            frame[c] = pd.to_numeric(frame[c])
        frame[CATEGORICAL] = frame[CATEGORICAL].astype("object")
        p = pipe.predict_proba(frame)[:, 1]
        return [{"prediction": int(v >= threshold), "probability": float(v)} for v in p]

    @app.post("/predict")
    def predict(body: Union[Batch, Row]):
        rid = str(uuid.uuid4())
        if isinstance(body, Batch):
            return {"request_id": rid, "model_version": version, "predictions": score(body.rows)}
        p = score([body])[0]
        return {"request_id": rid, "model_version": version, **p}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
