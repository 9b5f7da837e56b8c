"""Cross-references generated in the text: the paragraphs that introduce figures and tables end with
"See Figure 3 and Table 2." The numbers are read from the labels the build has just assigned, so
a reference always says what its target's caption says."""

from __future__ import annotations

import re

import nbformat

from .i18n import join, t

TARGET = re.compile(r'<figure\b[^>]*\bid="((?:fig|tab)-[^"]+)"')
LABEL = re.compile(r'<span class="label"[^>]*>(.*?)</span>', re.S)
HEADING = re.compile(r"^\s*<h[1-6]\b")
PARAGRAPH = re.compile(r"^\s*<p\b")
LAST_P_END = re.compile(r"</p>(?!.*</p>)", re.S)


def label_text(label_html: str) -> str:
    """'Figure 3.' -> 'Figure 3'; '图3' stays."""
    return re.sub(r"<[^>]+>", "", label_html).strip().rstrip(".").strip()


def html_outputs(nb: nbformat.NotebookNode):
    """Every HTML output of the notebook, in document order."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                yield output


def references(nb: nbformat.NotebookNode) -> list[tuple[dict, list[tuple[str, str]]]]:
    """Each introducing paragraph output with the (id, label) of the figures and tables after it,
    up to the next heading."""
    found, current = [], None
    for output in html_outputs(nb):
        text = output.data["text/html"]
        if HEADING.match(text):
            current = None
        elif PARAGRAPH.match(text):
            current = (output, [])
            found.append(current)
        elif current is not None:
            for ident in TARGET.findall(text):
                label = LABEL.search(text)
                if label and label_text(label.group(1)):
                    current[1].append((ident, label_text(label.group(1))))
    return [(output, refs) for output, refs in found if refs]


def add_cross_references(nb: nbformat.NotebookNode, lang: str) -> int:
    """Append 'See Figure N …' to each paragraph block that introduces figures or tables; returns
    how many references were written. Run after the figures and tables are numbered."""
    written = 0
    for output, refs in references(nb):
        links = [f'<a class="xref-link" href="#{ident}">{label}</a>' for ident, label in refs]
        sentence = t("nav.see_refs", lang, refs=join(links, lang))
        text = output.data["text/html"]
        output.data["text/html"] = LAST_P_END.sub(
            lambda _, s=sentence: f'{t("sentence_sep", lang)}<span class="xref">{s}</span></p>', text, count=1
        )
        written += len(refs)
    return written
