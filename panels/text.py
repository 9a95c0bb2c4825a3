"""Text: Markdown from the spec (`content`), drawn on the server. markdown-it parses with raw
HTML switched off and every piece of text becomes a React text node, so nothing in a spec can
inject markup. The PDF report prints the same blocks, formatted (bold, lists, headings), not the
Markdown source. No queries, no image, no CSV."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from dash import html
from markdown_it import MarkdownIt
from markdown_it.token import Token

from data.panel_data import PanelData
from panels.kind import Context, Model, Options, PanelType, Prose

_PARSER = MarkdownIt("commonmark", {"html": False})
_TAGS = {
    "p": html.P,
    "strong": html.Strong,
    "em": html.Em,
    "ul": html.Ul,
    "ol": html.Ol,
    "li": html.Li,
    "h1": html.H4,
    "h2": html.H5,
    "h3": html.H6,
    "h4": html.H6,
    "h5": html.H6,
    "h6": html.H6,
    "blockquote": html.Blockquote,
    "code": html.Code,
    "a": html.A,
    "s": html.S,
    "table": html.Table,
    "thead": html.Thead,
    "tbody": html.Tbody,
    "tr": html.Tr,
    "th": html.Th,
    "td": html.Td,
}
# The inline tags reportlab's paragraphs know, by Markdown's.
_PDF_INLINE = {"strong": "b", "em": "i", "s": "strike", "code": "font face='Courier'"}


@dataclass
class TextModel(Model):
    tokens: list[Token]


def build(data: PanelData, _context: Context) -> TextModel:
    return TextModel(data.panel, data.slug, data.time_range, _PARSER.parse(data.panel.content))


def _components(tokens: list[Token]) -> list:
    """Token stream -> nested components (open/close pairs become one element)."""
    out: list = []
    stack: list[tuple[Token, list]] = []
    for token in tokens:
        target = stack[-1][1] if stack else out
        if token.nesting == 1:
            stack.append((token, []))
        elif token.nesting == -1:
            opened, children = stack.pop()
            factory = _TAGS.get(opened.tag, html.Div)
            props = {}
            if opened.tag == "a":
                href = str(opened.attrs.get("href", ""))
                props["href"] = href if href.startswith(("http://", "https://", "/")) else "#"
            (stack[-1][1] if stack else out).append(factory(children, **props))
        elif token.type == "inline":
            target.extend(_components(token.children or []))
        elif token.type in ("text", "html_inline", "html_block"):
            target.append(token.content)
        elif token.type == "code_inline":
            target.append(html.Code(token.content))
        elif token.type in ("fence", "code_block"):
            target.append(html.Pre(html.Code(token.content)))
        elif token.type in ("softbreak", "hardbreak"):
            target.append(html.Br() if token.type == "hardbreak" else " ")
        elif token.type == "hr":
            target.append(html.Hr())
    return out


def card(model: TextModel) -> html.Div:
    return html.Div(_components(model.tokens), className="text-panel")


def _inline(tokens: list[Token]) -> str:
    """Inline tokens as reportlab's paragraph markup, every text escaped."""
    out = []
    for token in tokens:
        tag = _PDF_INLINE.get(token.tag)
        if token.type.endswith("_open") and tag:
            out.append(f"<{tag}>")
        elif token.type.endswith("_close") and tag:
            out.append(f"</{tag.split()[0]}>")
        elif token.type == "code_inline":
            out.append(f"<font face='Courier'>{escape(token.content)}</font>")
        elif token.type in ("text", "html_inline"):
            out.append(escape(token.content))
        elif token.type in ("softbreak", "hardbreak"):
            out.append("<br/>" if token.type == "hardbreak" else " ")
    return "".join(out)


def prose(model: TextModel) -> Prose:
    """Each block as the PDF prints it: heading, paragraph, item, code."""
    out, kind, depth = [], "paragraph", 0
    for token in model.tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline":
            out.append(("item" if depth else kind, _inline(token.children or [])))
            kind = "paragraph"
        elif token.type in ("fence", "code_block"):
            out.append(("code", escape(token.content).replace("\n", "<br/>")))
    return Prose(out)


def summary(model: TextModel) -> str:
    words = " ".join(
        child.content
        for token in model.tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type in ("text", "code_inline")
    )
    return f"{model.panel.title}: {words[:200]}"


KIND = PanelType("text", Options, build, summary, card=card, pdf=prose, queries=False)
