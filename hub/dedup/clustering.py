"""Clustering automatic links without chaining.

Union-find over the automatic links, strongest first. Each cluster remembers the values of its
conflict identifiers (LinkedIn, GitHub…); a link whose two clusters hold different values of one
of them is refused, so a weak link (two John Smiths) cannot join two clusters that strong
identifiers keep apart, however the links happen to chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Identifiers = tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class Clustering:
    """The result of clustering.

    Attributes:
        labels: Per record, its cluster id (the smallest record index in the cluster).
        refused: Links refused because the clusters held conflicting identifiers.
    """

    labels: tuple[int, ...]
    refused: tuple[tuple[int, int], ...]


def cluster_links(
    identifiers: Sequence[Identifiers], links: Iterable[tuple[float, int, int]]
) -> Clustering:
    """Cluster records from scored automatic links.

    Args:
        identifiers: Per record, the values of each conflict field (one frozenset per field).
        links: ``(score, i, j)`` for each automatic link; any order.

    Returns:
        Cluster labels and the refused links.
    """
    parent = list(range(len(identifiers)))
    held: dict[int, list[frozenset[str]]] = {}
    refused: list[tuple[int, int]] = []

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def values(root: int) -> list[frozenset[str]]:
        return held.get(root) or list(identifiers[root])

    for _, i, j in sorted(links, key=lambda link: -link[0]):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        vi, vj = values(ri), values(rj)
        if any(a and b and a.isdisjoint(b) for a, b in zip(vi, vj, strict=True)):
            refused.append((i, j))
            continue
        root, child = (ri, rj) if ri < rj else (rj, ri)
        parent[child] = root
        held[root] = [a | b for a, b in zip(vi, vj, strict=True)]
        held.pop(child, None)
    return Clustering(labels=tuple(find(x) for x in range(len(parent))), refused=tuple(refused))
