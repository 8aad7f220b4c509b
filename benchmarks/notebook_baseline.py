"""The notebook pipeline the benchmark compares against, exactly as the notebooks do it:
pandas read_csv -> mean-impute -> StandardScaler -> KMeans(4, n_init=10, random_state=42)
-> PCA(2) -> labels. Writes (CUST_ID, label, pc1, pc2) to a Parquet file so the benchmark can
compare our labels with a full-data k-means fit, and the fit's inertia to OUTPUT.parquet.json.

Usage: python benchmarks/notebook_baseline.py INPUT.csv OUTPUT.parquet
"""

from __future__ import annotations

import json
import sys

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler


def main(input_csv: str, output_parquet: str) -> None:
    data = pd.read_csv(input_csv)
    features = data.drop(columns=["CUST_ID"])
    features = features.fillna(features.mean())
    scaled = StandardScaler().fit_transform(features)
    kmeans = KMeans(n_clusters=4, n_init=10, random_state=42).fit(scaled)
    coordinates = PCA(n_components=2).fit_transform(scaled)
    labels = pd.DataFrame(
        {
            "CUST_ID": data["CUST_ID"],
            "label": kmeans.labels_,
            "pc1": coordinates[:, 0],
            "pc2": coordinates[:, 1],
        }
    )
    labels.to_parquet(output_parquet, index=False)
    with open(output_parquet + ".json", "w") as handle:
        json.dump({"n_rows": len(labels), "inertia": float(kmeans.inertia_)}, handle)
    print(f"baseline: {len(labels)} customers, inertia {kmeans.inertia_:.6g}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
