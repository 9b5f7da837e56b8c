"""Computations with known answers: statistics, vocabulary, changes, shares."""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from conftest import DATA

from stpolicy import analysis, narrative, vocabulary
from stpolicy.data import load
from stpolicy.stats import chi_square, log_odds_dirichlet, permutation_chi_square


@pytest.fixture(scope="module")
def ds():
    return load(DATA, "en")


def test_log_odds_matches_a_hand_computed_example():
    # Term a: 2 in X, 0 in Y; term b: 1 in X, 3 in Y. n_X = 3, n_Y = 3. Pooled counts a=2, b=4, total 6,
    # so the informative prior is alpha_a = 2, alpha_b = 4, alpha0 = 6.
    # (a, X): delta = ln((2+2)/(3+6-2-2)) - ln((0+2)/(3+6-0-2)) = ln(4/5) - ln(2/7) = ln 2.8
    #         variance = 1/(2+2) + 1/(0+2) = 0.75, z = ln 2.8 / sqrt(0.75)
    # (b, X): delta = ln((1+4)/(3+6-1-4)) - ln((3+4)/(3+6-3-4)) = ln(5/4) - ln(7/2) = -ln 2.8
    #         variance = 1/5 + 1/7
    counts = pd.DataFrame({"X": [2, 1], "Y": [0, 3]}, index=["a", "b"])
    out = log_odds_dirichlet(counts).set_index(["term", "group"])
    assert out.loc[("a", "X"), "delta"] == pytest.approx(math.log(2.8))
    assert out.loc[("a", "X"), "variance"] == pytest.approx(0.75)
    assert out.loc[("a", "X"), "z"] == pytest.approx(math.log(2.8) / math.sqrt(0.75))
    assert out.loc[("b", "X"), "delta"] == pytest.approx(-math.log(2.8))
    assert out.loc[("b", "X"), "variance"] == pytest.approx(1 / 5 + 1 / 7)
    assert out.loc[("a", "Y"), "delta"] == pytest.approx(-math.log(2.8))  # two groups: mirror images


def test_chi_square_matches_scipy():
    table = np.array([[12, 5, 3], [7, 9, 11]])
    assert chi_square(table) == pytest.approx(scipy.stats.chi2_contingency(table, correction=False).statistic)


def test_permutation_test_matches_the_exact_permutation_distribution():
    # Labels A,A,B,B and categories x,x,y,y: perfect separation, chi-square 4. Of the 6 equally likely
    # relabellings, 2 separate perfectly (either way round), so the exact p is 1/3.
    result = permutation_chi_square(pd.Series(list("AABB")), pd.Series(list("xxyy")), permutations=20_000)
    assert result.statistic == pytest.approx(4.0)
    assert result.p_value == pytest.approx(1 / 3, abs=0.015)


def test_permutation_test_is_reproducible_and_insensitive_to_identical_mixes():
    groups = pd.Series(["A"] * 30 + ["B"] * 30)
    cats = pd.Series(["x", "y", "z"] * 20)
    first = permutation_chi_square(groups, cats, permutations=2000)
    assert first == permutation_chi_square(groups, cats, permutations=2000)
    assert first.statistic == pytest.approx(0.0) and first.p_value == pytest.approx(1.0)


def test_batched_shuffles_count_the_same_hits_as_one_shuffle_at_a_time(monkeypatch):
    # The batches are an implementation detail: the draws, and so the p-value, are those of one
    # rng.permutation per shuffle, whatever the batch size; a group with no clauses is left out.
    rng = np.random.default_rng(1)
    groups = pd.Series(rng.choice(list("ABCDE"), 120))
    cats = pd.Series(rng.choice(list("wxyz"), 120, p=[0.5, 0.3, 0.15, 0.05]))
    draws = np.random.default_rng(7)
    g, _ = pd.factorize(groups, sort=True)
    c, _ = pd.factorize(cats, sort=True)
    table = lambda labels: np.bincount(labels * 4 + c, minlength=20).reshape(5, 4)  # noqa: E731
    observed = chi_square(table(g))
    hits = sum(chi_square(table(draws.permutation(g))) >= observed - 1e-12 for _ in range(700))
    monkeypatch.setattr("stpolicy.stats.BATCH_CELLS", 3000)  # batches of 21 shuffles
    result = permutation_chi_square(groups, cats, permutations=700, seed=7)
    assert result.statistic == pytest.approx(observed)
    assert result.p_value == (hits + 1) / 701


def test_mix_tests_on_the_real_codes(ds):
    tests = analysis.mix_tests(ds).set_index("dimension")
    kept = ds.tool_codes[ds.tool_codes.in_scope]  # the mix counts in-scope clauses only
    counts = pd.crosstab(kept.district_id, kept.policy_tool).values
    assert tests.at["policy_tool", "statistic"] == pytest.approx(
        scipy.stats.chi2_contingency(counts, correction=False).statistic
    )
    assert 0 < tests.at["policy_tool", "p_value"] <= 1


def test_tool_shares_sum_to_one_per_district(ds):
    shares = analysis.tool_shares(ds)
    assert shares.groupby("district_id")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    zh = shares.set_index(["district_id", "policy_tool"])["n"]
    codes = pd.read_csv(DATA / "tool_codes.csv", keep_default_na=False, dtype=str)
    kept = codes[codes.in_scope != "false"]
    assert zh[("zhenhai", "supply")] == ((kept.district_id == "zhenhai") & (kept.policy_tool == "supply")).sum()


def test_implied_change_of_rd_share(ds):
    changes = analysis.implied_changes(ds).set_index(["district_id", "compare_key"])
    row = changes.loc[("zhenhai", "rd_expenditure_gdp_share")]
    ind = pd.read_csv(DATA / "indicators.csv").set_index("indicator_id")
    actual, target = ind.loc[row.actual_id, "value"], ind.loc[row.target_id, "value"]
    assert (row.actual, row.target) == (actual, target)
    assert row.change == pytest.approx(target - actual)
    assert row.change_pct == pytest.approx((target - actual) / actual)


def test_comparability_criteria(ds):
    crit = analysis.comparability_criteria(ds).set_index(["comparison_id", "criterion"])["met"]
    assert crit[("rd_gdp_2024", "same_definition")] and crit[("rd_gdp_2024", "same_year")]
    assert not crit[("new_hightech", "same_definition")]
    assert not crit[("tech_transactions", "same_kind")]


def test_jieba_keeps_curated_names_whole(ds):
    tokens = vocabulary.tokenizer(ds).lcut("主动对接服务甬江实验室、宁波东方理工大学")
    assert "甬江实验室" in tokens


def test_clause_counts_count_clauses_not_tokens(ds):
    counts = vocabulary.clause_counts(ds)
    tk = vocabulary.tokenizer(ds)
    tokenised = [tk.lcut(c) for c in vocabulary.clauses(vocabulary.content(ds, "dinghai"))]
    presence = pd.Series([t for tokens in tokenised for t in set(tokens)]).value_counts()
    occurrences = pd.Series([t for tokens in tokenised for t in tokens]).value_counts()
    assert counts.at["海洋", "dinghai"] == presence["海洋"]
    shared = counts.index[counts["dinghai"] > 0]
    assert (counts.loc[shared, "dinghai"] == presence[shared]).all()
    assert (presence[shared] < occurrences[shared]).any()  # a term repeated within a clause counts once
    assert "的" not in counts.index  # stop words are dropped


def test_term_frequency_per_10k_characters(ds):
    freq = vocabulary.term_frequencies(ds).set_index(["district_id", "term"])
    text = vocabulary.content(ds, "zhenhai")
    chars = len(vocabulary.CJK.findall(text))
    row = freq.loc[("zhenhai", "人才")]
    assert row.per_10k_chars == pytest.approx(row["count"] / chars * 10_000)


def test_keyword_in_context_returns_source_sentences(ds):
    kwic = vocabulary.keyword_in_context(ds, ["海洋"])
    assert len(kwic) > 0 and set(kwic.district_id) == {"dinghai"}
    assert all("海洋" in s and s in ds.sources["dinghai"] for s in kwic.sentence)


def test_keyword_in_context_leaves_out_what_the_counts_leave_out(ds):
    """Review 2, item 10: responsibility lists and headings with 海洋 (in an agency name or a task title) are
    removed before counting, so the KWIC table does not list them either; the intro says so."""
    sentences = vocabulary.keyword_in_context(ds, ["海洋"])["sentence"].tolist()
    assert not any("区海洋经济发展局" in s and "海洋" not in s.replace("区海洋经济发展局", "") for s in sentences)
    assert not any(s.startswith("8.打造海洋创新人才方阵") for s in sentences)  # a task heading
    assert not any("责任单位" in s for s in sentences)
    source = ds.sources["dinghai"]
    assert "8.打造海洋创新人才方阵" in source and "区海洋经济发展局" in source  # they are in the document
    intro = narrative.kwic(ds, ["海洋"])[0]
    assert ("headings" in intro) if ds.lang == "en" else ("标题" in intro)


def test_distinctive_terms_are_ranked_by_z(ds):
    terms = vocabulary.distinctive_terms(ds, top=5)
    for _, group in terms.groupby("district_id"):
        assert group["z"].is_monotonic_decreasing and len(group) == 5


def test_narrative_states_the_computed_p_value(ds):
    text = " ".join(narrative.mix_test(ds, analysis.mix_tests(ds)))
    p = analysis.mix_tests(ds).set_index("dimension").at["policy_tool", "p_value"]
    assert f"p = {p:.3f} for the basic tools" in text


def test_single_district_has_no_test_and_no_contrast():
    one = load(DATA, "zh", ["zhenhai"])
    assert analysis.mix_tests(one).empty
    assert vocabulary.distinctive_terms(one).empty
    assert narrative.mix_test(one, analysis.mix_tests(one)) == ["只选择了一个地区，无需检验差异。"]


def test_agency_names_and_headings_are_not_counted_as_terms(ds):
    counts = vocabulary.clause_counts(ds)
    assert "区经信局" not in counts.index and "区委组织部" not in counts.index  # from the responsibility lists
    text = vocabulary.content(ds, "dinghai")
    assert "责任单位" not in text and "提升高能级科创平台质效" not in text  # bracket and task heading removed
    assert "定海海洋科学城二期" in text  # the measure's own words stay


def test_vocabulary_sentence_counts_the_passing_terms_and_agrees_with_one(ds):
    """One passing term takes "passes", several take "pass"; the count is the number of terms marked passing."""
    zhenhai, dinghai = ds.district_ids
    terms = pd.DataFrame(
        {
            "district_id": [zhenhai] * 3 + [dinghai] * 3,
            "term": ["申报", "入选", "市级", "海洋", "体系", "改革"],
            "gloss_en": [""] * 6,
            "z": [2.5, 1.2, 1.1, 2.4, 2.1, 1.0],
            "passes": [True, False, False, True, True, False],
        }
    )
    sentences = narrative.vocabulary(ds, terms, 0)
    one = next(s for s in sentences if ds.district_name(zhenhai) in s)
    two = next(s for s in sentences if ds.district_name(dinghai) in s)
    assert "Only 1 of" in one and " terms passes " in one and "申报" in one
    assert "2 of" in two and " terms pass " in two and "海洋" in two and "体系" in two
