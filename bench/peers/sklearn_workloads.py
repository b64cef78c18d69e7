"""The scikit-learn peer of suite w5 (bench/suites/w5.ts): Tessera's fitted pipeline as a
scikit-learn Pipeline, scored one row at a time and as a batch.

The Pipeline is built from Tessera's fitted constants, not fitted again: a
ColumnTransformer of a StandardScaler (the frozen means and population deviations) over
the standardized columns and a OneHotEncoder (the fitted categories; unseen categories
and nulls give all-zero blocks, as in Tessera) over the one-hot columns, then a
LinearRegression or a LogisticRegression holding Tessera's coefficients. Fitting
scikit-learn on the same rows would give other coefficients (Tessera's logistic model
takes a fixed number of gradient steps; lbfgs runs to convergence), so only the
arithmetic could be compared within a tolerance; with the same constants the outputs
agree to rounding (numpy's sums run in another order), which w5 checks.

Each function takes the loaded tables ("pool": the rows to score), the request's params
and a dict of phases, as pandas_workloads does:
  params.model    the fitted pipeline: features (column, encoding, mean/sd or
                  categories) in Tessera's column order, intercept, coef, link
  params.calls    sklearn_row: how many single-row calls (cycling through the pool)
"""
import json
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# Pipelines built so far, by the model's JSON: built in a case's warm-up run, reused by its timed runs.
_built = {}


def build_pipeline(model):
    """The scikit-learn Pipeline equivalent to the fitted model (see the module's docstring)."""
    numeric, categorical, num_coef, cat_coef = [], [], [], []
    coef = model["coef"]
    at = 0
    for f in model["features"]:
        if f["encoding"] == "standardize":
            numeric.append(f)
            num_coef.append(coef[at])
            at += 1
        elif f["encoding"] == "onehot":
            categorical.append(f)
            cat_coef.extend(coef[at : at + len(f["categories"])])
            at += len(f["categories"])
        else:
            raise ValueError(f"the scikit-learn peer builds standardize and one-hot features, not {f['encoding']} ({f['column']})")
    intercept = coef[at] if model["intercept"] else 0.0
    if at + (1 if model["intercept"] else 0) != len(coef):
        raise ValueError(f"{len(coef)} coefficients for {at} feature columns{' and an intercept' if model['intercept'] else ''}")

    num_cols = [f["column"] for f in numeric]
    cat_cols = [f["column"] for f in categorical]
    encoder = OneHotEncoder(categories=[f["categories"] for f in categorical], handle_unknown="ignore", sparse_output=False)
    prep = ColumnTransformer([("standardize", StandardScaler(), num_cols), ("onehot", encoder, cat_cols)])
    # Fitting sets the transformers' structure; the scaler's statistics are then replaced by Tessera's.
    prep.fit(pd.DataFrame({**{c: [0.0, 1.0] for c in num_cols}, **{f["column"]: [f["categories"][0]] * 2 for f in categorical}}))
    scaler = prep.named_transformers_["standardize"]
    scaler.mean_ = np.array([f["mean"] for f in numeric], dtype=np.float64)
    scaler.scale_ = np.array([f["sd"] for f in numeric], dtype=np.float64)
    scaler.var_ = scaler.scale_**2

    width = len(num_coef) + len(cat_coef)
    if model["link"] == "logistic":
        learner = LogisticRegression()
        learner.coef_ = np.array([num_coef + cat_coef], dtype=np.float64)
        learner.intercept_ = np.array([intercept], dtype=np.float64)
        learner.classes_ = np.array([0, 1])
    else:
        learner = LinearRegression()
        learner.coef_ = np.array(num_coef + cat_coef, dtype=np.float64)
        learner.intercept_ = float(intercept)
    learner.n_features_in_ = width
    return Pipeline([("prep", prep), ("model", learner)])


def _pipeline(model):
    key = json.dumps(model, sort_keys=True)
    if key not in _built:
        _built[key] = build_pipeline(model)
    return _built[key]


def _scores(pipe, logistic, frame):
    """Pipeline.predict (linear), or the positive class's Pipeline.predict_proba (logistic: the probability Tessera returns)."""
    return pipe.predict_proba(frame)[:, 1] if logistic else pipe.predict(frame)


def sklearn_row(tables, params, phases):
    """`calls` single-row calls of the Pipeline, cycling through the pool; each call timed alone.

    The one-row frame is sliced from the pool outside the timer: p50/p99 time the
    Pipeline's predict only (what a service calls with the row it received).
    """
    pipe = _pipeline(params["model"])
    logistic = params["model"]["link"] == "logistic"
    frame = tables["pool"]
    n = len(frame)
    calls = int(params["calls"])
    out = np.empty(calls)
    lat = np.empty(calls)
    clock = time.perf_counter
    for i in range(calls):
        j = i % n
        row = frame.iloc[j : j + 1]
        t0 = clock()
        v = _scores(pipe, logistic, row)
        t1 = clock()
        out[i] = v[0]
        lat[i] = t1 - t0
    phases["predict"] = float(lat.sum())
    ordered = np.sort(lat)
    return {"outputs": out.tolist(), "p50_s": float(ordered[int(calls * 0.5)]), "p99_s": float(ordered[int(calls * 0.99)])}


def sklearn_batch(tables, params, phases):
    """The Pipeline over the whole pool at once (batch throughput)."""
    pipe = _pipeline(params["model"])
    start = time.perf_counter()
    scores = _scores(pipe, params["model"]["link"] == "logistic", tables["pool"])
    phases["predict"] = time.perf_counter() - start
    return {"outputs": np.asarray(scores, dtype=np.float64).tolist()}
