"""scikit-learn, imported by one thread at a time.

dbt runs Python models on several threads in one process, and two models that import
scikit-learn for the first time at the same moment can each see the other's half-initialised
modules (scikit-learn's own modules import each other in a cycle): "ImportError: cannot import
name 'clone' from partially initialized module 'sklearn.base'" (seen with ``ml_k_selection`` and
``ml_pca_loadings`` starting together). Every package module that uses scikit-learn imports
this module first: Python's lock on this module lets one thread run the imports below while the
others wait for it, and they then find scikit-learn complete. So package modules import what
they use of scikit-learn from here, never from ``sklearn`` directly.
"""

from __future__ import annotations

from sklearn import get_config
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.tree import DecisionTreeClassifier

__all__ = [
    "PCA",
    "DecisionTreeClassifier",
    "KMeans",
    "get_config",
    "pairwise_distances",
    "silhouette_score",
]
