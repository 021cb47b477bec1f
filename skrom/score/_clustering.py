"""Partitions of state space for KGMM: a bisecting K-means tree or plain K-means.

Both partitions are stored as plain arrays so that numba kernels can assign a
point to its cell without Python objects:

- the bisecting tree is a binary tree of hyperplanes: an internal node sends
  ``x`` to its right child when ``normal . x > offset`` (the points nearer the
  right 2-means centroid), and a leaf holds a cell index. Assigning a point
  costs one dot product per level (about ``log2(n_cells)``);
- the K-means partition is a set of centres; a point goes to the nearest one
  (``n_cells`` distances per point, so it is the slower option for many cells).
"""

import heapq
from collections import namedtuple

import numba
import numpy as np

__all__ = ["BisectingTree", "build_bisecting_tree", "kmeans_centres", "assign_cells"]

BisectingTree = namedtuple(
    "BisectingTree", ["normal", "offset", "left", "right", "leaf"]
)
BisectingTree.__doc__ = """Hyperplane tree of a bisecting K-means partition.

``normal`` (n_nodes, n_features), ``offset`` (n_nodes,), ``left``/``right``
(n_nodes,) child indices (-1 at leaves), ``leaf`` (n_nodes,) cell index (-1 at
internal nodes). Node 0 is the root.
"""

_LLOYD_ITERATIONS = 8


def _two_means(P):
    """Split the rows of ``P`` in two by 2-means started from the principal axis.

    Returns the hyperplane ``(normal, offset)`` and the boolean mask of the
    right side, or None when the points cannot be split (all identical).
    """
    centre = P.mean(axis=0)
    D = P - centre
    if P.shape[1] == 1:
        axis = np.ones(1)
    else:
        # principal axis of the cell: the 2-means split of an elongated cell
        # runs across it, which is where Lloyd's iterations converge quickly
        _, vecs = np.linalg.eigh(D.T @ D)
        axis = vecs[:, -1]
    proj = D @ axis
    spread = np.sqrt(np.mean(proj**2))
    if not spread > 0.0:
        return None
    c_left = centre - spread * axis
    c_right = centre + spread * axis
    right = None
    for _ in range(_LLOYD_ITERATIONS):
        normal = c_right - c_left
        offset = 0.5 * (c_right @ c_right - c_left @ c_left)
        new_right = P @ normal > offset
        n_right = int(new_right.sum())
        if n_right == 0 or n_right == P.shape[0]:
            return None
        if right is not None and np.array_equal(new_right, right):
            break
        right = new_right
        c_right = P[right].mean(axis=0)
        c_left = P[~right].mean(axis=0)
    normal = c_right - c_left
    offset = 0.5 * (c_right @ c_right - c_left @ c_left)
    right = P @ normal > offset
    n_right = int(right.sum())
    if n_right == 0 or n_right == P.shape[0]:
        return None
    return normal, offset, right


def build_bisecting_tree(P, *, max_cell_size=None, n_cells=None):
    """Bisect the largest cell by 2-means until a size or count target is met.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_features)
        Points to partition.
    max_cell_size : int or None
        Split every cell holding at least this many points (the authors'
        criterion, with ``max_cell_size = 2 * prob * n_samples``).
    n_cells : int or None
        Instead, stop when there are this many cells.

    Returns
    -------
    tree : BisectingTree
    labels : ndarray of shape (n_samples,)
        Cell of every row of ``P``.
    """
    n, d = P.shape
    normal, offset, left, right, leaf = [], [], [], [], []

    def new_node():
        normal.append(np.zeros(d))
        offset.append(0.0)
        left.append(-1)
        right.append(-1)
        leaf.append(-1)
        return len(leaf) - 1

    root = new_node()
    # max-heap on cell size; the node id breaks ties so the order is deterministic
    heap = [(-n, root, np.arange(n))]
    final = []
    while heap:
        size = -heap[0][0]
        n_now = len(heap) + len(final)
        if n_cells is not None and n_now >= n_cells:
            break
        if max_cell_size is not None and size < max_cell_size:
            break
        _, node, idx = heapq.heappop(heap)
        split = _two_means(P[idx]) if size >= 2 else None
        if split is None:
            final.append((node, idx))
            continue
        w, b, side = split
        normal[node] = w
        offset[node] = b
        l_node, r_node = new_node(), new_node()
        left[node], right[node] = l_node, r_node
        heapq.heappush(heap, (-int((~side).sum()), l_node, idx[~side]))
        heapq.heappush(heap, (-int(side.sum()), r_node, idx[side]))
    final.extend((node, idx) for _, node, idx in heap)
    final.sort(key=lambda item: item[0])
    labels = np.empty(n, dtype=np.int64)
    for cell, (node, idx) in enumerate(final):
        leaf[node] = cell
        labels[idx] = cell
    tree = BisectingTree(
        normal=np.asarray(normal, dtype=np.float64).reshape(-1, d),
        offset=np.asarray(offset, dtype=np.float64),
        left=np.asarray(left, dtype=np.int64),
        right=np.asarray(right, dtype=np.int64),
        leaf=np.asarray(leaf, dtype=np.int64),
    )
    return tree, labels


def kmeans_centres(P, n_cells, random_state):
    """Centres of a K-means partition of ``P`` (mini-batch for large samples)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    seed = int(np.random.default_rng(random_state).integers(2**31 - 1))
    if P.shape[0] > 50_000:
        km = MiniBatchKMeans(
            n_clusters=n_cells, random_state=seed, n_init=1, batch_size=4096
        )
    else:
        km = KMeans(n_clusters=n_cells, random_state=seed, n_init=1)
    km.fit(P)
    return np.ascontiguousarray(km.cluster_centers_, dtype=np.float64)


@numba.njit(cache=True, inline="always")
def tree_cell(x, normal, offset, left, right, leaf):
    """Cell of the point ``x`` in a bisecting tree."""
    node = 0
    d = x.shape[0]
    while left[node] >= 0:
        acc = 0.0
        for k in range(d):
            acc += normal[node, k] * x[k]
        node = right[node] if acc > offset[node] else left[node]
    return leaf[node]


@numba.njit(cache=True, inline="always")
def nearest_centre(x, centres):
    """Index of the centre nearest to ``x``."""
    best = 0
    best_d = np.inf
    d = x.shape[0]
    for c in range(centres.shape[0]):
        acc = 0.0
        for k in range(d):
            diff = centres[c, k] - x[k]
            acc += diff * diff
        if acc < best_d:
            best_d = acc
            best = c
    return best


@numba.njit(cache=True)
def _assign(P, use_tree, normal, offset, left, right, leaf, centres, out):
    for i in range(P.shape[0]):
        if use_tree:
            out[i] = tree_cell(P[i], normal, offset, left, right, leaf)
        else:
            out[i] = nearest_centre(P[i], centres)


def assign_cells(P, partition):
    """Cell index of every row of ``P`` under ``partition`` (tree or centres)."""
    P = np.ascontiguousarray(P, dtype=np.float64)
    out = np.empty(P.shape[0], dtype=np.int64)
    _assign(P, *partition_arrays(partition), out)
    return out


def partition_arrays(partition):
    """The flat argument list the kernels take for a partition.

    ``(use_tree, normal, offset, left, right, leaf, centres)``; the unused
    half is a set of empty placeholders with the right dtypes.
    """
    if isinstance(partition, BisectingTree):
        d = partition.normal.shape[1]
        return (
            True,
            partition.normal,
            partition.offset,
            partition.left,
            partition.right,
            partition.leaf,
            np.empty((0, d)),
        )
    centres = np.ascontiguousarray(partition, dtype=np.float64)
    d = centres.shape[1]
    empty_i = np.empty(0, dtype=np.int64)
    return (False, np.empty((0, d)), np.empty(0), empty_i, empty_i, empty_i, centres)
