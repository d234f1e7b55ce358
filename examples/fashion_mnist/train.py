"""The `train` stage: images from DVC, labels from Dolt -> a model (DVC) and
predictions (Dolt), accuracy as a DVC metric, a confusion matrix as a DVC plot.

Runs inside the demo project, where `dvc repro` calls it.
"""

import gzip
import json
import os
import pickle

import numpy as np
from sklearn.linear_model import LogisticRegression

from dvc_dolt import api


def read_images(path: str) -> np.ndarray:
    """An idx3-ubyte(.gz) file as an (n, rows * cols) array."""
    with gzip.open(path, "rb") as fobj:
        data = fobj.read()
    count, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows * cols)


def main() -> None:
    train_x = read_images("data/images/train-images-idx3-ubyte.gz") / 255.0
    test_x = read_images("data/images/t10k-images-idx3-ubyte.gz") / 255.0
    labels = api.read("data/labels", "labels")
    train = labels[labels["train"]].sort_values("row_id")
    test = labels[~labels["train"]].sort_values("row_id")
    offset = len(train_x)  # test rows follow the training rows

    model = LogisticRegression(max_iter=100, tol=1e-3)
    model.fit(train_x[train["row_id"].to_numpy()], train["label"].to_numpy())
    pred = model.predict(test_x[test["row_id"].to_numpy() - offset])
    actual = test["label"].to_numpy()
    accuracy = float((pred == actual).mean())

    os.makedirs("model", exist_ok=True)
    with open("model/model.pkl", "wb") as fobj:
        pickle.dump(model, fobj)
    with open("metrics.json", "w") as fobj:
        json.dump({"accuracy": round(accuracy, 4), "train_rows": len(train)}, fobj)

    import pandas as pd

    predictions = pd.DataFrame(
        {"row_id": test["row_id"].to_numpy(), "pred": pred, "actual": actual}
    )
    labels_commit = api.read("data/labels", sql="select dolt_hashof('HEAD') as h")["h"][0]
    api.save(
        predictions,
        "data/predictions",
        "predictions",
        mode="replace",
        primary_key="row_id",
        message=f"predictions of a model trained on labels {labels_commit[:8]}: "
        f"accuracy {accuracy:.3f}",
        author="train stage <train@dvc-dolt.example>",
    )

    os.makedirs("plots", exist_ok=True)
    predictions[["actual", "pred"]].rename(columns={"pred": "predicted"}).to_csv(
        "plots/confusion.csv", index=False
    )
    _confusion_png(actual, pred, accuracy, "plots/confusion.png")
    print(f"accuracy: {accuracy:.3f} on {len(actual)} test images ({len(train)} training rows)")


def _confusion_png(actual, pred, accuracy: float, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.zeros((10, 10), dtype=int)
    np.add.at(matrix, (actual, pred), 1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(j, i, n, ha="center", va="center", fontsize=7,
                    color="white" if n > matrix.max() / 2 else "black")  # fmt: skip
    ax.set(xlabel="predicted", ylabel="actual", xticks=range(10), yticks=range(10),
           title=f"confusion matrix (accuracy {accuracy:.3f})")  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
