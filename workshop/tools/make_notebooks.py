"""Write workshop/exercises/NN_name.ipynb and workshop/solutions/NN_name.ipynb from one description.

Both notebooks of an exercise come from the same cells, so they cannot drift apart: an exercise cell
holds placeholders in the exercise and the worked answer in the solution; `check` cells (assertions
against answers computed from the data) exist only in the solution. Run from the repository root:
    .venv/bin/python workshop/tools/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent.parent
PARAMS = '''data_dir: str = "../../data"  # the curated tables; under `make lab`, your working copy of data/
scratch_dir: str = "scratch"  # where this notebook writes its own copy of the data (never into data/)'''
OFFLINE = '''import altair as alt

from stpolicy.notebook import use_offline_charts

use_offline_charts()  # altair charts drawn by JupyterLab itself (no network) with a PNG twin; see the guide'''

EXERCISES = {}


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def exercise(placeholder, solution):
    return ("exercise", placeholder.strip("\n"), solution.strip("\n"))


def check(text):
    return ("check", text.strip("\n"))


EXERCISES["01_explore_tables"] = [
    md("""
# Exercise 1: read the curated tables with pandas

**You will learn** where the report's numbers come from: plain CSV tables, one row per number or coded
clause, each with the verbatim quote it was taken from. You will answer two questions with pandas and
draw one chart. Every column is described in `data/README.md` and in each table's `NAME.meta.yml`.

Run the cells from the top (Shift+Enter). Cells marked **Exercise** are yours: replace each `...`.
"""),
    ("params", PARAMS),
    code('''
from pathlib import Path

import pandas as pd

data = Path(data_dir)
indicators = pd.read_csv(data / "indicators.csv")
tool_codes = pd.read_csv(data / "tool_codes.csv")
districts = pd.read_csv(data / "districts.csv")
districts[["district_id", "name_zh", "name_en", "doc_title_zh", "doc_date"]]
'''),
    md("""
`indicators.csv` holds every number the documents state. `kind` says whether it is an `actual` (a past
result), a `target`, a `stretch_target` (力争) or a `ranking`; `theme` is its policy theme; `quote` is the
sentence it was read from, verbatim.
"""),
    code('''indicators[["indicator_id", "district_id", "kind", "theme", "name_en", "value", "unit", "quote"]].head(8)'''),
    code('''indicators.groupby(["district_id", "kind"]).size().unstack(fill_value=0)'''),
    md("""
`tool_codes.csv` codes the **clauses** of each measure by policy instrument (Rothwell–Zegveld):
`supply` (the government supplies talent, money, technology, services), `environment` (it shapes the
conditions: goals, finance, tax, rules) or `demand` (it creates demand: procurement, pilots, exchange).
"""),
    code('''tool_codes[["code_id", "district_id", "policy_tool", "sub_tool", "quote"]].head(8)'''),
    md("""
## Exercise 1.1: which district sets more targets on talent?

Count the rows of `indicators` with `kind == "target"` and `theme == "talent"`, per `district_id`
(a Series indexed by district_id), then name the district with more.
"""),
    exercise(
        '''
talent_targets = ...  # a Series: district_id -> number of talent targets
more_talent_targets = ...  # the district_id with more
talent_targets
''',
        '''
talent = indicators[(indicators["kind"] == "target") & (indicators["theme"] == "talent")]
talent_targets = talent.groupby("district_id").size()
more_talent_targets = talent_targets.idxmax()
talent_targets
''',
    ),
    check('''
# Checked against the package's own count (stpolicy.analysis), computed from the same data.
from stpolicy import analysis
from stpolicy.data import load

ds = load(data_dir, "en")
counts = analysis.indicator_theme_counts(ds)
expected = counts[(counts["theme"] == "talent") & (counts["kind"] == "target")].set_index("district_id")["n"]
assert talent_targets.sort_index().to_dict() == expected.sort_index().to_dict(), (talent_targets, expected)
assert talent_targets[more_talent_targets] == expected.max()
print(f"{more_talent_targets} sets more talent targets: {talent_targets.to_dict()}")
'''),
    md("""
## Exercise 1.2: what share of Dinghai's clauses are supply-side?

Take Dinghai's rows of `tool_codes` and compute the share (0 to 1) whose `policy_tool` is `supply`.
"""),
    exercise(
        '''
dinghai_supply_share = ...  # a number between 0 and 1
''',
        '''
dinghai = tool_codes[tool_codes["district_id"] == "dinghai"]
dinghai_supply_share = (dinghai["policy_tool"] == "supply").mean()
print(f"{dinghai_supply_share:.1%} of Dinghai's {len(dinghai)} coded clauses are supply-side")
''',
    ),
    check('''
shares = analysis.tool_shares(ds, ds.tool_codes).set_index(["district_id", "policy_tool"])["share"]  # all clauses
assert abs(dinghai_supply_share - shares["dinghai", "supply"]) < 1e-12, (dinghai_supply_share, shares)
'''),
    md("""
## Exercise 1.3: draw one chart

Draw the number of clauses per district and policy tool, with altair (a bar chart: `count()` on one
axis, `district_id` on the other, `policy_tool` as colour) and a tooltip. The next cell switches altair
to charts JupyterLab draws offline; it says so, and it changes nothing else.
"""),
    code(OFFLINE),
    exercise(
        '''
chart = ...  # alt.Chart(tool_codes).mark_bar().encode(...)
chart
''',
        '''
chart = (
    alt.Chart(tool_codes)
    .mark_bar()
    .encode(
        x=alt.X("count():Q", title="coded clauses"),
        y=alt.Y("district_id:N", title=None),
        color=alt.Color("policy_tool:N", title="policy tool"),
        tooltip=["district_id", "policy_tool", "count()"],
    )
)
chart
''',
    ),
    check('''
spec = chart.to_dict()
assert spec["mark"]["type"] == "bar" if isinstance(spec["mark"], dict) else spec["mark"] == "bar"
assert {spec["encoding"][c]["field"] for c in ("y", "color")} == {"district_id", "policy_tool"}
'''),
    md("""
**Discuss.** A share of clauses is not a share of money or effort: one clause can be a sentence about a
large fund or a small seminar. What would you need to compare effort?
"""),
]

EXERCISES["02_curate_an_indicator"] = [
    md("""
# Exercise 2: curate a number from its source sentence

**You will learn** how a number enters the data: one row in `indicators.csv`, with its value, unit,
qualifier and the verbatim quote; and how the project's check catches mistakes and says where they are
(`path:line: column: message`, the same lines as `build_report.py --check`).

This notebook works on **its own copy** of the data in `scratch_dir`; the project's `data/` is never written.
"""),
    ("params", PARAMS),
    code('''
import shutil
from pathlib import Path

import pandas as pd

from stpolicy.notebook import check_data

TARGET = "dinghai-i003"  # the row you will write again from its sentence
original = pd.read_csv(Path(data_dir) / "indicators.csv", dtype=str, keep_default_na=False)
work = Path(scratch_dir) / "data_02"
shutil.rmtree(work, ignore_errors=True)
shutil.copytree(data_dir, work)
# Remove the row from the copy: you will add it back.
original[original["indicator_id"] != TARGET].to_csv(work / "indicators.csv", index=False)
answer = original.set_index("indicator_id").loc[TARGET]  # kept for the solution's check; don't peek
print(f"working copy: {work}")
'''),
    code('''
def check_with(row: dict) -> list[str]:
    """Append `row` to the copy's indicators.csv, run the project's check, print its problems."""
    table = pd.read_csv(work / "indicators.csv", dtype=str, keep_default_na=False)
    table = table[table["indicator_id"] != row.get("indicator_id")]
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True).fillna("")
    table.to_csv(work / "indicators.csv", index=False)
    return check_data(work)  # the same `file:line: column: message` lines as build_report.py --check
'''),
    md("""
The sentence in Dinghai's source (`data/sources/dinghai.txt`) that states the number:
"""),
    code('''
source = (work / "sources" / "dinghai.txt").read_text(encoding="utf-8-sig")
sentence = next(s for s in source.replace("\\n", "。").split("。") if answer["quote"] in s)
print(sentence)
'''),
    md("""
Rows of the same district around it, to copy the conventions (`section` is the heading path in the
source; `unit` must be one of `units.csv`; `qualifier` says `exact`, `at_least` (以上), `about` (左右)…):
"""),
    code('''
pd.read_csv(work / "indicators.csv", dtype=str, keep_default_na=False).query("district_id == 'dinghai'").head(4)
'''),
    code('''pd.read_csv(work / "units.csv").head(8)'''),
    md("""
## Exercise 2.1: write the row

Fill in the row for the number in the sentence above, then run the check. The quote must be a
verbatim part of the source (copy it, don't retype it), and the value must occur in the quote.
"""),
    exercise(
        '''
my_row = {
    "indicator_id": TARGET,
    "district_id": "dinghai",
    "period": "2024",
    "kind": ...,  # actual / target / stretch_target / ranking
    "theme": ...,  # a theme code from vocabularies.csv
    "name_zh": ...,
    "name_en": ...,
    "value": ...,
    "unit": ...,
    "qualifier": ...,
    "quote": ...,
    "section": ...,
}
check_with(my_row)
''',
        '''
my_row = {
    "indicator_id": TARGET,
    "district_id": "dinghai",
    "period": "2024",
    "kind": "target",
    "theme": "rd_investment",
    "name_zh": "规上工业研发费用",
    "name_en": "R&D spending of above-scale industry",
    "value": "17.5",
    "unit": "亿元",
    "qualifier": "exact",
    "quote": "规上工业研发费用达到17.5亿元",
    "section": "一、主要目标",
}
check_with(my_row)
''',
    ),
    check('''
assert check_with(my_row) == []
# The typed answer must match the curated row (a test of this constant against the data).
for column in ("kind", "value", "unit", "qualifier", "quote", "section"):
    assert str(my_row[column]) == answer[column], (column, my_row[column], answer[column])
'''),
    md("""
## Exercise 2.2: read the check's errors and fix a colleague's row

A colleague typed the same number by hand. Run the check on their row, read each line
(`file:line: column: message`), and write `fixed_row` so that the check passes.
"""),
    code('''
colleague_row = {**answer.to_dict(), "indicator_id": TARGET, "value": "175", "quote": "规上工业研发经费达到17.5亿元"}
colleague_problems = check_with(colleague_row)
'''),
    exercise(
        '''
fixed_row = {**colleague_row, ...: ...}  # change what the check complains about
check_with(fixed_row)
''',
        '''
fixed_row = {**colleague_row, "value": "17.5", "quote": "规上工业研发费用达到17.5亿元"}
check_with(fixed_row)
''',
    ),
    check('''
assert any(": value: " in p for p in colleague_problems) and any(": quote: " in p for p in colleague_problems)
assert check_with(fixed_row) == []
'''),
    md("""
**Discuss.** Why does the project insist on a verbatim quote for every number? What would go wrong in
the report if a value were typed from memory?
"""),
]

EXERCISES["03_recode_a_clause"] = [
    md("""
# Exercise 3: recode a clause and watch the mix and its test move

**You will learn** that the instrument mix is a result of coding decisions: change the policy tool of
one clause and see how the shares and the permutation test of "do the two mixes differ?" respond.
The notebook works on its own copy of the data in `scratch_dir`.
"""),
    ("params", PARAMS),
    code('''
import shutil
from pathlib import Path

import pandas as pd

from stpolicy import analysis
from stpolicy.data import load
from stpolicy.notebook import check_data

work = Path(scratch_dir) / "data_03"
shutil.rmtree(work, ignore_errors=True)
shutil.copytree(data_dir, work)
before = load(work, "en")
before.tool_codes.groupby(["district_id", "policy_tool"]).size().unstack(fill_value=0)
'''),
    code('''
before_shares = analysis.tool_shares(before)
before_tests = analysis.mix_tests(before)
before_tests
'''),
    md("""
`p_value` is the share of 20,000 random relabellings of the clauses (district labels shuffled) whose
chi-square is at least the observed one: small means the two mixes are unlikely to differ by chance.

The clause to recode, Dinghai's first environment-side clause, with its quote:
"""),
    code('''
codes = before.tool_codes
clause = codes[(codes["district_id"] == "dinghai") & (codes["policy_tool"] == "environment") & codes["in_scope"]].iloc[0]
clause[["code_id", "policy_tool", "sub_tool", "value_chain_stage", "quote"]]
'''),
    code('''
vocab = pd.read_csv(work / "vocabularies.csv")
vocab.query("vocabulary == 'sub_tool'")[["code", "parent", "label_en", "label_zh"]]
'''),
    code('''
def recode(code_id: str, policy_tool: str, sub_tool: str) -> list[str]:
    """Change one clause's codes in the copy, run the check, print its problems."""
    table = pd.read_csv(work / "tool_codes.csv", dtype=str, keep_default_na=False)
    table.loc[table["code_id"] == code_id, ["policy_tool", "sub_tool"]] = [policy_tool, sub_tool]
    table.to_csv(work / "tool_codes.csv", index=False)
    return check_data(work)  # the same `file:line: column: message` lines as build_report.py --check
'''),
    md("""
## Exercise 3.1: recode the clause as supply-side

Read the quote. Suppose you judge it supply-side. First try changing only the policy tool (keep the
old sub_tool) and read the check's error; then pick a supply-side `sub_tool` (its `parent` is
`supply`) that fits the text, and recode again until the check passes.
"""),
    exercise(
        '''
recode(clause["code_id"], "supply", clause["sub_tool"])  # read the error
new_sub_tool = ...  # a sub_tool whose parent is "supply"
recode(clause["code_id"], "supply", new_sub_tool)
''',
        '''
wrong_sub_tool = recode(clause["code_id"], "supply", clause["sub_tool"])  # read the error
new_sub_tool = "public_services"
recode(clause["code_id"], "supply", new_sub_tool)
''',
    ),
    check('''
assert any("sub_tool" in p for p in wrong_sub_tool), wrong_sub_tool
assert vocab.set_index("code").loc[new_sub_tool, "parent"] == "supply"
assert recode(clause["code_id"], "supply", new_sub_tool) == []
'''),
    md("""
## Exercise 3.2: how did the mix and the test move?

Load the recoded copy and compute Dinghai's supply share and the policy-tool p-value, before and after.
"""),
    exercise(
        '''
after = ...  # load(work, "en")
supply_before = ...
supply_after = ...
p_before = ...
p_after = ...
''',
        '''
after = load(work, "en")
after_shares = analysis.tool_shares(after).set_index(["district_id", "policy_tool"])["share"]
after_tests = analysis.mix_tests(after).set_index("dimension")
supply_before = before_shares.set_index(["district_id", "policy_tool"])["share"]["dinghai", "supply"]
supply_after = after_shares["dinghai", "supply"]
p_before = before_tests.set_index("dimension").loc["policy_tool", "p_value"]
p_after = after_tests.loc["policy_tool", "p_value"]
print(f"Dinghai supply share {supply_before:.1%} -> {supply_after:.1%}; p (policy tool) {p_before:.4f} -> {p_after:.4f}")
''',
    ),
    check('''
n_dinghai = int(((before.tool_codes["district_id"] == "dinghai") & before.tool_codes["in_scope"]).sum())  # the mix counts in-scope clauses
assert abs(supply_after - (supply_before + 1 / n_dinghai)) < 1e-12
from stpolicy.stats import permutation_chi_square

kept = after.tool_codes[after.tool_codes["in_scope"]]
direct = permutation_chi_square(kept["district_id"], kept["policy_tool"])
assert abs(p_after - direct.p_value) < 1e-12
assert after_tests.loc["policy_tool", "statistic"] != before_tests.set_index("dimension").loc["policy_tool", "statistic"]
'''),
    md("""
**Discuss.** One clause moved the share by 1/n. How many recodings would it take to change the
conclusion of the test? What does that say about reporting coder agreement?
"""),
]

EXERCISES["04_add_a_district"] = [
    md("""
# Exercise 4: add a district and rebuild the report

**You will learn** the whole path from a new document to the report: a source text, one row in
`districts.csv`, a few indicators, the check, and a build for three districts.

The text used here is **made up for teaching** (`workshop/district/example.txt`): “示例区” is not a real
district and the text is not a government document. The notebook works on its own copy of the data.
"""),
    ("params", PARAMS + '''
example_text: str = "../district/example.txt"  # the made-up teaching text'''),
    code('''
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from stpolicy import narrative
from stpolicy.data import load
from stpolicy.notebook import check_data

work = Path(scratch_dir) / "data_04"
shutil.rmtree(work, ignore_errors=True)
shutil.copytree(data_dir, work)
shutil.copy(example_text, work / "sources" / "example.txt")
print((work / "sources" / "example.txt").read_text(encoding="utf-8"))
'''),
    code('''pd.read_csv(work / "districts.csv", dtype=str, keep_default_na=False)'''),
    code('''
def add_rows(table: str, rows: list[dict]) -> list[str]:
    """Append rows to a table of the copy (replacing rows with the same first-column id); run the check."""
    frame = pd.read_csv(work / f"{table}.csv", dtype=str, keep_default_na=False)
    key = frame.columns[0]
    frame = frame[~frame[key].isin([r[key] for r in rows])]
    pd.concat([frame, pd.DataFrame(rows)], ignore_index=True).fillna("").to_csv(work / f"{table}.csv", index=False)
    return check_data(work)  # the same `file:line: column: message` lines as build_report.py --check
'''),
    md("""
## Exercise 4.1: the district's row

Write the row of `districts.csv` for the example document (district_id `example`, source file
`sources/example.txt`, document type `work_plan`, date 2024-06-01). Mark it as made-up in `name_en`.
"""),
    exercise(
        '''
district_row = {
    "district_id": "example",
    "name_zh": ...,
    "name_en": ...,
    # ... every column of districts.csv (see the table above)
}
add_rows("districts", [district_row])
''',
        '''
district_row = {
    "district_id": "example",
    "name_zh": "示例区",
    "name_en": "Example District (made up)",
    "city_zh": "示例市",
    "city_en": "Example City",
    "province_zh": "示例省",
    "province_en": "Example Province",
    "doc_title_zh": "示例区2024年科技创新工作要点",
    "doc_title_en": "Example District: 2024 S&T Innovation Work Points (made up for teaching)",
    "issuer_zh": "示例区科技局",
    "issuer_en": "Example District S&T Bureau (made up)",
    "doc_date": "2024-06-01",
    "doc_type": "work_plan",
    "plan_period": "2024",
    "source_file": "sources/example.txt",
    "doc_index_no": "",
}
add_rows("districts", [district_row])
''',
    ),
    check('''
assert add_rows("districts", [district_row]) == []
'''),
    md("""
## Exercise 4.2: two of its numbers

Write the indicator rows for the R&D share target (2.6%) and the new high-tech enterprises (40家以上).
Give them the `compare_key` the other districts use for the same definition
(`rd_expenditure_gdp_share`, `new_hightech_enterprises`) so the report puts them side by side.
"""),
    exercise(
        '''
example_indicators = [
    {"indicator_id": "example-i001", "district_id": "example", ...: ...},
    {"indicator_id": "example-i002", "district_id": "example", ...: ...},
]
add_rows("indicators", example_indicators)
''',
        '''
common = {"district_id": "example", "period": "2024", "kind": "target", "section": "一、主要目标"}
example_indicators = [
    {
        **common,
        "indicator_id": "example-i001",
        "theme": "rd_investment",
        "name_zh": "研究与试验发展经费支出占地区生产总值比重",
        "name_en": "R&D expenditure as share of GDP",
        "value": "2.6",
        "unit": "%",
        "qualifier": "exact",
        "quote": "全区研究与试验发展经费支出占地区生产总值比重达到2.6%",
        "compare_key": "rd_expenditure_gdp_share",
    },
    {
        **common,
        "indicator_id": "example-i002",
        "theme": "enterprises",
        "name_zh": "新增高新技术企业",
        "name_en": "New high-tech enterprises",
        "value": "40",
        "unit": "家",
        "qualifier": "at_least",
        "quote": "新增高新技术企业40家以上",
        "compare_key": "new_hightech_enterprises",
    },
]
add_rows("indicators", example_indicators)
''',
    ),
    check('''
assert add_rows("indicators", example_indicators) == []
text = (work / "sources" / "example.txt").read_text(encoding="utf-8")
assert all(row["quote"] in text and row["value"] in row["quote"] for row in example_indicators)
'''),
    md("""
## Build the report for three districts

This runs the project's build on your copy (English HTML only, a minute or two); the report goes to
`scratch/report_04/report.en.html`. Open it from the file browser (right click, Open in New Browser Tab).
"""),
    code('''
build = subprocess.run(
    [sys.executable, "-c", "import sys; from stpolicy.cli import main; sys.exit(main())",
     "--data", str(work), "--out", str(Path(scratch_dir) / "report_04"),
     "--figures", str(Path(scratch_dir) / "figures_04"), "--lang", "en", "--format", "html"],
    capture_output=True, text=True,
)
print(build.stdout or build.stderr[-2000:])
'''),
    md("""
## Exercise 4.3: what changed?

Compare the targets narrative for two and three districts. Which district now states the lowest R&D
share target? Compute it from the data (`indicators` of the three-district dataset).
"""),
    exercise(
        '''
two = load(data_dir, "en")
three = ...
lowest_rd_target = ...  # district_id
''',
        '''
two = load(data_dir, "en")
three = load(work, "en")
for paragraph in narrative.targets(three):
    print("-", paragraph)
rd = three.indicators.query("compare_key == 'rd_expenditure_gdp_share' and kind == 'target'")
lowest_rd_target = rd.loc[rd["value"].idxmin(), "district_id"]
lowest_rd_target
''',
    ),
    check('''
assert build.returncode == 0, build.stderr[-2000:]
page = (Path(scratch_dir) / "report_04" / "report.en.html").read_text(encoding="utf-8")
assert "Example District (made up)" in page
assert len(three.district_ids) == len(two.district_ids) + 1
assert rd.set_index("district_id")["value"].min() == rd.set_index("district_id").loc[lowest_rd_target, "value"].min()
'''),
    md("""
**Discuss.** The report now compares three documents of different kinds. Which comparisons in the
report are fair, which need the comparability table, and which would you leave out?
"""),
]


def cell(kind, *parts, solution):
    if kind == "md":
        return nbformat.v4.new_markdown_cell(parts[0])
    if kind == "params":
        return nbformat.v4.new_code_cell(parts[0], metadata={"tags": ["parameters"]})
    if kind == "code":
        return nbformat.v4.new_code_cell(parts[0])
    if kind == "exercise":
        return nbformat.v4.new_code_cell(parts[1] if solution else parts[0], metadata={"tags": ["exercise"]})
    if kind == "check":
        return nbformat.v4.new_code_cell(parts[0], metadata={"tags": ["check"]}) if solution else None
    raise ValueError(kind)


def notebook(name, cells, solution):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, spec in enumerate(cells):
        made = cell(spec[0], *spec[1:], solution=solution)
        if made is not None:
            made["id"] = f"{name[:2]}-{i:02d}"  # stable ids: regenerating gives identical files
            nb.cells.append(made)
    if solution:
        nb.cells[0].source = nb.cells[0].source.replace("# Exercise", "# Solution to exercise", 1)
    return nb


def main():
    for name, cells in EXERCISES.items():
        for folder, solution in (("exercises", False), ("solutions", True)):
            path = HERE / folder / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nb = notebook(name, cells, solution)
            nbformat.write(nb, path)
            print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
