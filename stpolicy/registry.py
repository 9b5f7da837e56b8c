"""The section registry (registry.yml): the one home of the report's order, headings, figures and tables.

From it, headings are numbered in every language (`formats.section_heading`, numerals from
locales.yml), the TOC follows it, narrative.csv's `section` is validated against it and its texts
appear under every section's heading, and each figure's and table's source line names its data
tables. `check()` reads every notebook's `r.heading / r.subheading / r.figure / r.table` calls and
reports a name the registry or strings.yml lacks before any kernel starts.

How to add a section
--------------------
1. Write `notebooks/NN_name.ipynb`: the `parameters` cell (copy it from 07_method_notes.ipynb),
   `r = Report(data_dir, districts, lang, figures_dir)`, `r.heading("<id>")`, then package calls
   (`r.paragraphs(...)`, `r.figure("<name>", chart)`, `r.table("<name>", frame)`). NN is its place
   in the report: notebooks run and appear in name order, which must be the registry's order.
2. Add its entry to `stpolicy/registry.yml` at the same place: `id`, `notebook`, and its
   `subsections`, `figures` and `tables` (each with the data tables it is drawn from).
3. Add its strings to `stpolicy/strings.yml`, in every language: `sections.<id>`,
   `subsections.<key>`, `figures.<name>.caption` and `.alt`, `tables.<name>`.
Nothing else: numbering, TOC, ids (`sec-<id>`, `sub-<key>`, `fig-<name>`, `tab-<name>`), the
section's narrative.csv texts and the checks follow. `build_report.py --check` runs the checks.
"""

from __future__ import annotations

import ast
import functools
import string
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import LANGUAGES, section_number, strings, t
from .tables import Problem, load_yaml

PATH = Path(__file__).parent / "registry.yml"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"  # the project's section notebooks
KINDS = ("figure", "table")


class RegistryError(ValueError):
    """A section, subsection, figure or table name that registry.yml does not know."""


@dataclass(frozen=True)
class Section:
    """One section of the report, as registry.yml declares it."""

    id: str
    notebook: str
    number: int | None  # None for an unnumbered section
    lettered: bool = False
    subsections: tuple[str, ...] = ()
    figures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def items(self, kind: str) -> dict[str, tuple[str, ...]]:
        """The section's figures or tables (kind: figure or table), name → data tables."""
        return self.figures if kind == "figure" else self.tables


@dataclass(frozen=True)
class Item:
    """A figure or table: its name, its section and the data tables its source line names."""

    kind: str
    name: str
    section: str
    tables: tuple[str, ...]
    key: str = ""  # its strings key: the name, or the registered `name_*` stem of a per-district table

    @property
    def html_id(self) -> str:
        """fig-NAME / tab-NAME: stable ids that links and tests rely on."""
        return f"{self.kind[:3]}-{self.name}"


class Registry:
    """The sections in report order, with lookups that fail with a clear message."""

    def __init__(self, entries: list[dict]):
        self.sections: list[Section] = []
        n = 0
        for entry in entries:
            numbered = entry.get("numbered", True)
            n += numbered
            self.sections.append(
                Section(
                    id=entry["id"],
                    notebook=entry["notebook"],
                    number=n if numbered else None,
                    lettered=entry.get("lettered", False),
                    subsections=tuple(entry.get("subsections") or ()),
                    figures={k: tuple(v) for k, v in (entry.get("figures") or {}).items()},
                    tables={k: tuple(v) for k, v in (entry.get("tables") or {}).items()},
                )
            )

    @property
    def ids(self) -> list[str]:
        """Section ids in report order."""
        return [s.id for s in self.sections]

    def section(self, section_id: str) -> Section:
        """The section with this id."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise RegistryError(f"section {section_id!r} is not in {PATH.name} (sections: {', '.join(self.ids)})")

    def item(self, kind: str, name: str) -> Item:
        """The figure or table with this name."""
        for s in self.sections:
            for registered, tables in s.items(kind).items():
                if name == registered or (registered.endswith("_*") and name.startswith(registered[:-1])):
                    return Item(kind, name, s.id, tables, registered.removesuffix("_*"))
        known = [n for s in self.sections for n in s.items(kind)]
        raise RegistryError(f"{kind} {name!r} is not in {PATH.name} ({kind}s: {', '.join(known)})")

    def subsection_section(self, key: str) -> Section:
        """The section a subsection belongs to."""
        for s in self.sections:
            if key in s.subsections:
                return s
        known = [k for s in self.sections for k in s.subsections]
        raise RegistryError(f"subsection {key!r} is not in {PATH.name} (subsections: {', '.join(known)})")

    def heading(self, section_id: str, lang: str) -> str:
        """The section's title, numbered in the language's style ("7. Method notes", "七、方法说明")."""
        s = self.section(section_id)
        title = t(f"sections.{s.id}", lang)
        if s.number is None:
            return title
        return t("formats.section_heading", lang, n=section_number(s.number, lang), title=title)

    def letter(self, key: str) -> str:
        """The letter of a subsection in a lettered section (A, B, ...), or ''."""
        s = self.subsection_section(key)
        return string.ascii_uppercase[s.subsections.index(key)] if s.lettered else ""

    def subheading(self, key: str, lang: str) -> str:
        """The subsection's title, lettered where its section is ("B. Policy-instrument coding scheme")."""
        title = t(f"subsections.{key}", lang)
        letter = self.letter(key)
        return t("formats.lettered_heading", lang, letter=letter, title=title) if letter else title

    def string_keys(self) -> list[str]:
        """Every strings.yml key the registry's names need."""
        keys = []
        for s in self.sections:
            keys.append(f"sections.{s.id}")
            keys += [f"subsections.{k}" for k in s.subsections]
            keys += [f"figures.{f}.{part}" for f in s.figures for part in ("caption", "alt")]
            keys += [f"tables.{name.removesuffix('_*')}" for name in s.tables]
        return keys

    def problems(self) -> list[Problem]:
        """Names used twice, and strings missing in some language."""
        out = []
        for what, names in (
            ("section", self.ids),
            ("subsection", [k for s in self.sections for k in s.subsections]),
            *((kind, [n for s in self.sections for n in s.items(kind)]) for kind in KINDS),
        ):
            out += [
                Problem(str(PATH), 0, what, f"{what} {n!r} is declared more than once")
                for n in sorted({n for n in names if names.count(n) > 1})
            ]
        for key in self.string_keys():
            node = strings()
            for part in key.split("."):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            missing = [lang for lang in LANGUAGES if lang not in node]
            if missing:
                out.append(Problem(str(PATH), 0, key, f"strings.yml has no {'/'.join(missing)} text for {key}"))
        return out

    def notebook_problems(self, folder: Path) -> list[Problem]:
        """Every NN_*.ipynb of `folder` is a registered section, in registry order, and names only
        its own section's subsections, figures and tables (checked on the literal names of
        r.heading / r.subheading / r.figure / r.table calls)."""
        paths = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
        by_notebook = {s.notebook: s for s in self.sections}
        out = []
        order = [self.sections.index(by_notebook[p.name]) for p in paths if p.name in by_notebook]
        if order != sorted(order):
            out.append(
                Problem(str(folder), 0, "", f"notebooks are not in the order of {PATH.name}: {', '.join(self.ids)}")
            )
        for path in paths:
            section = by_notebook.get(path.name)
            if section is None:
                out.append(Problem(str(path), 0, "", f"notebook is not in {PATH.name}; add a section entry for it"))
                continue
            for cell_no, method, name in calls(path):
                message = self.call_problem(section, method, name)
                if message:
                    out.append(Problem(str(path), cell_no, f"r.{method}", message))
        return out

    def call_problem(self, section: Section, method: str, name: str) -> str | None:
        """What is wrong with one r.<method>(name) call in the notebook of `section`, if anything."""
        if method == "heading":
            return None if name == section.id else f"{name!r} is not this notebook's section ({section.id!r})"
        known = section.subsections if method == "subheading" else tuple(section.items(method))
        if name in known:
            return None
        listed = ", ".join(known) or "none"
        return f"{name!r} is not a {method} of section {section.id!r} in {PATH.name} (it has: {listed})"


METHODS = ("heading", "subheading", "figure", "table")


def calls(path: Path) -> list[tuple[int, str, str]]:
    """(cell number, method, literal name) of each r.heading/subheading/figure/table call in a notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # the kernel will report it, with the cell
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in METHODS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((number, node.func.attr, node.args[0].value))
    return found


@functools.cache
def registry() -> Registry:
    """The report's registry, read once."""
    return Registry(load_yaml(PATH)["sections"])


def check(notebooks: Path) -> list[Problem]:
    """Problems of the registry itself and of the notebooks in `notebooks`."""
    reg = registry()
    return reg.problems() + reg.notebook_problems(notebooks)
