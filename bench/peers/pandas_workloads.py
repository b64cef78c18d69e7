"""The workloads of docs/workloads.md in pandas and numpy, written as a data scientist
writes them: pandas for the relational part, numpy for the matrix part, in the order
the formula reads (no algebraic rewrites). Each function takes the loaded tables, the
request's params and a dict to record its phases in (seconds), and returns a result
the TypeScript side checks against Tessera's: a matrix as {rows, cols, data} (row-major)
or a relation as {names, columns}.
"""
import time

import numpy as np
import pandas as pd


class Phases:
    """Records the seconds since the previous mark under each name."""

    def __init__(self, into):
        self.into = into
        self.last = time.perf_counter()

    def mark(self, name):
        now = time.perf_counter()
        self.into[name] = self.into.get(name, 0.0) + now - self.last
        self.last = now


def matrix(a):
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    return {"rows": a.shape[0], "cols": a.shape[1], "data": a.ravel().tolist()}


def column(a):
    return matrix(np.asarray(a, dtype=np.float64).reshape(-1, 1))


def relation(df):
    return {"names": list(df.columns), "columns": [df[c].tolist() for c in df.columns]}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def w1(tables, params, phases):
    """W1: T = the features of S ⋈ R (in S's row order); one of TᵀT, T·w, linreg, logreg."""
    p = Phases(phases)
    S, R = tables["S"], tables["R"]
    # Every foreign key has its partner, so the left join has the inner join's rows, in S's order.
    joined = S.merge(R, on="rid", how="left")
    T = joined[params["features"]].to_numpy()
    p.mark("relational_s")
    op = params["op"]
    if op == "TtT":
        out = T.T @ T
    elif op == "T·w":
        out = T @ np.asarray(params["w"]).reshape(-1, 1)
    elif op == "linreg":
        y = joined["y"].to_numpy()
        out = np.linalg.solve(T.T @ T, T.T @ y)
    elif op == "logreg":
        y = joined["label"].to_numpy()
        w = np.zeros(T.shape[1])
        for _ in range(params["steps"]):
            w = w - params["rate"] * (T.T @ (sigmoid(T @ w) - y)) / len(y)
        out = w
    else:
        raise ValueError(f"w1: unknown op '{op}'")
    p.mark("matrix_s")
    return column(out) if out.ndim == 1 else matrix(out)


def w2(tables, params, phases):
    """W2: the retail star join, its design matrix, TᵀT, ridge regression and units per family × store type."""
    p = Phases(phases)
    df = tables["sales"].merge(tables["items"], on="item").merge(tables["stores"], on="store").merge(tables["dates"], on="date")
    parts = [df[c].to_numpy(dtype=np.float64).reshape(-1, 1) for c in params["numeric"]]
    for f in params["onehot"]:
        # Fixed categories, so that every run has the same columns, in the same order.
        parts.append(pd.get_dummies(pd.Categorical(df[f["column"]], categories=f["categories"])).to_numpy(dtype=np.float64))
    parts.append(np.ones((len(df), 1)))
    T = np.hstack(parts)
    y = df["units"].to_numpy()
    by_group = df.groupby(["family", "type"], as_index=False)["units"].sum()
    p.mark("relational_s")
    gram = T.T @ T
    beta = np.linalg.solve(gram + params["ridge"] * np.eye(T.shape[1]), T.T @ y)
    p.mark("matrix_s")
    return {"gram": matrix(gram), "ridge": column(beta), "groups": relation(by_group)}


def w3(tables, params, phases):
    """W3: rowSums(M·W) + M·P·Q·v next to the ids of A ⋈ B where active."""
    p = Phases(phases)
    df = tables["A"].merge(tables["B"], on="id")
    df = df[df["active"]]
    M = df[params["features"]].to_numpy()
    p.mark("relational_s")
    W, P, Q, v = (tables[k] for k in ("W", "P", "Q", "v"))
    score = (M @ W).sum(axis=1) + (M @ P @ Q @ v).ravel()
    p.mark("matrix_s")
    out = pd.DataFrame({"id": df["id"].to_numpy(), "score": score})
    return relation(out)


def w4(tables, params, phases):
    """W4: (X·W)[:, kept] next to each customer, for the customers of one segment."""
    p = Phases(phases)
    customers = tables["customers"]
    X = customers[params["features"]].to_numpy()
    p.mark("relational_s")
    scores = (X @ tables["W"])[:, params["kept"]]
    p.mark("matrix_s")
    out = customers.assign(**{name: scores[:, j] for j, name in enumerate(params["names"])})
    out = out[out["segment"] == params["segment"]]
    p.mark("relational_s")
    return relation(out[["id", *params["names"]]])


def join_groupby(tables, params, phases):
    """The relational half of W2: fact ⋈ dim on key, per grp: count, sum of m1, sum of m1 × f1."""
    p = Phases(phases)
    df = tables["fact"].merge(tables["dim"], on="key")
    df["m1_f1"] = df["m1"] * df["f1"]
    out = df.groupby("grp", as_index=False).agg(n=("key", "size"), s=("m1", "sum"), sf=("m1_f1", "sum"))
    p.mark("relational_s")
    return relation(out)


def star(tables, params, phases):
    """The retail star query: sales ⋈ stores ⋈ products ⋈ days, a filter, revenue, per region × category."""
    p = Phases(phases)
    df = tables["sales"].merge(tables["stores"], on="store_id").merge(tables["products"], on="product_id").merge(tables["days"], on="day_id")
    df = df[(df["units"] > 1) & df["region"].isin(params["regions"])]
    df = df.assign(revenue=df["units"] * df["price"])
    out = (
        df.groupby(["region", "category"], as_index=False)
        .agg(n=("sale_id", "size"), revenue=("revenue", "sum"), avg_price=("price", "mean"), min_units=("units", "min"), max_units=("units", "max"))
        .sort_values(["region", "category"])
    )
    p.mark("relational_s")
    return relation(out)
