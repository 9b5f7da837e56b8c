"""Statistics for the comparisons: a permutation (Monte-Carlo) chi-square test of whether the
policy-instrument mix differs between districts, and weighted log-odds ratios with an
informative Dirichlet prior (Monroe, Colaresi & Quinn 2008) for distinctive vocabulary; Cohen's kappa
for the agreement of two coders, read with the Landis & Koch (1977) bands."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERMUTATIONS = 20_000
SEED = 20240518  # fixed, so the report's p-values are reproducible
ALPHA = 0.05  # significance level of the mix test, as the narrative states it
BATCH_CELLS = 4_000_000  # cells per batch of shuffled tables: about 32 MB, whatever the number of districts
Z_CRITICAL = 1.96  # |z| marked as distinctive (two-sided 5% of a standard normal); descriptive only here


def chi_square(table: np.ndarray) -> float:
    """Pearson's chi-square statistic of a contingency table (no continuity correction)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    return float(((table - expected) ** 2 / expected).sum())


@dataclass(frozen=True)
class MixTest:
    """A permutation chi-square test's result: statistic, p-value, and what it was computed on."""

    statistic: float
    p_value: float
    permutations: int
    n_units: int
    n_categories: int


def permutation_chi_square(
    groups: pd.Series, categories: pd.Series, permutations: int = PERMUTATIONS, seed: int = SEED
) -> MixTest:
    """Is the distribution of `categories` the same in every group? Shuffle the group labels of
    the coding units and count how often chi-square is at least the observed one. Valid for small
    expected counts, where the asymptotic chi-square test is not; p = (hits + 1) / (permutations + 1)."""
    g_codes, g_levels = pd.factorize(groups, sort=True)
    c_codes, c_levels = pd.factorize(categories, sort=True)
    statistic, hits = shuffled_hits(
        g_codes.tobytes(), c_codes.tobytes(), len(g_levels), len(c_levels), permutations, seed
    )
    return MixTest(statistic, (hits + 1) / (permutations + 1), permutations, len(g_codes), len(c_levels))


@functools.lru_cache(maxsize=32)  # several sections report the same test; a kernel runs it once
def shuffled_hits(groups: bytes, categories: bytes, n_groups: int, n_categories: int, permutations: int, seed: int):
    """The observed chi-square and how many of `permutations` shuffles reach it (codes as bytes: hashable)."""
    g_codes, c_codes = np.frombuffer(groups, dtype=np.intp), np.frombuffer(categories, dtype=np.intp)
    shape = (n_groups, n_categories)
    observed = chi_square(np.bincount(g_codes * shape[1] + c_codes, minlength=shape[0] * shape[1]).reshape(shape))
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < permutations:
        # The same draws as one rng.permutation per shuffle (so p-values do not depend on the batch
        # size); the chi-squares of a batch are computed at once, in memory bounded by BATCH_CELLS.
        size = min(permutations - done, max(1, BATCH_CELLS // (shape[0] * shape[1] + len(g_codes))))
        labels = np.stack([rng.permutation(g_codes) for _ in range(size)])
        hits += int((batch_chi_square(labels, c_codes, shape) >= observed - 1e-12).sum())
        done += size
    return observed, hits


def batch_chi_square(labels: np.ndarray, c_codes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Chi-square of each row of `labels` (shuffled group codes) against the fixed category codes.

    Shuffling keeps both margins, so every table has the observed expected counts; groups or
    categories with no units are left out, as chi_square() does.
    """
    cells = shape[0] * shape[1]
    offsets = np.arange(len(labels))[:, None] * cells
    tables = np.bincount((offsets + labels * shape[1] + c_codes).ravel(), minlength=len(labels) * cells)
    tables = tables.reshape(len(labels), *shape)
    rows, cols = tables[0].sum(axis=1), tables[0].sum(axis=0)
    expected = np.outer(rows, cols) / rows.sum()
    keep = np.outer(rows > 0, cols > 0)
    return (((tables - expected) ** 2)[:, keep] / expected[keep]).sum(axis=1)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (same order as given): the k-th smallest is
    multiplied by (m − k + 1), kept monotone and capped at 1. It controls the family-wise error rate."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (len(p) - np.arange(len(p)))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def log_odds_dirichlet(
    counts: pd.DataFrame, prior: pd.Series | None = None, alpha0: float | None = None
) -> pd.DataFrame:
    """Weighted log-odds of each term in each group against all other groups pooled.

    counts: terms × groups. The informative prior is proportional to the pooled counts
    (alpha_w = alpha0 * y_w / n) unless given. Returns long rows: term, group, delta, variance, z.
    """
    counts = counts.astype(float)
    pooled = counts.sum(axis=1)
    if prior is None:
        alpha0 = float(pooled.sum()) if alpha0 is None else alpha0
        prior = alpha0 * pooled / pooled.sum()
    a0 = float(prior.sum())
    rows = []
    for group in counts.columns:
        y_i, y_j = counts[group], pooled - counts[group]
        n_i, n_j = y_i.sum(), y_j.sum()
        delta = np.log((y_i + prior) / (n_i + a0 - y_i - prior)) - np.log((y_j + prior) / (n_j + a0 - y_j - prior))
        variance = 1.0 / (y_i + prior) + 1.0 / (y_j + prior)
        rows.append(
            pd.DataFrame(
                {
                    "term": counts.index,
                    "group": group,
                    "count": y_i.values,
                    "delta": delta.values,
                    "variance": variance.values,
                    "z": (delta / np.sqrt(variance)).values,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# Landis & Koch (1977): the upper bound of each band of kappa and its name (strings.yml kappa_bands).
LANDIS_KOCH = (
    (0.0, "poor"),
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (1.0, "almost_perfect"),
)
# A coded field whose kappa is below this (less than substantial) had its rule revised (data/README.md).
KAPPA_RULE_THRESHOLD = 0.6


def cohen_kappa(first: pd.Series, second: pd.Series) -> float:
    """Cohen's kappa of two coders' labels for the same units: (p_o − p_e) / (1 − p_e), with p_e from
    each coder's own label shares. NaN when it is undefined (both coders used one and the same label)."""
    first, second = pd.Series(first).reset_index(drop=True), pd.Series(second).reset_index(drop=True)
    if len(first) != len(second) or first.empty:
        raise ValueError("kappa needs two equally long, non-empty series of labels")
    observed = float((first == second).mean())
    shares_1, shares_2 = first.value_counts(normalize=True), second.value_counts(normalize=True)
    expected = float(shares_1.mul(shares_2, fill_value=0).sum())
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)


def landis_koch(kappa: float) -> str:
    """The Landis & Koch band of a kappa: poor (< 0), slight (≤ 0.2), fair, moderate, substantial, almost_perfect."""
    if kappa < 0:
        return "poor"
    return next(name for bound, name in LANDIS_KOCH[1:] if kappa <= bound)
