"""Text panels: Markdown from the spec, turned into Dash components on the server.

markdown-it parses with raw HTML switched off, and every piece of text becomes a React text node,
so nothing in a spec can inject markup. Rendering here (rather than with dcc.Markdown) also spares
the browser a lazily loaded chunk that arrived last on the largest dashboard.
"""

from __future__ import annotations

from dash import html
from markdown_it import MarkdownIt
from markdown_it.token import Token

from data.panel_data import PanelData

_PARSER = MarkdownIt("commonmark", {"html": False})
_TAGS = {
    "p": html.P, "strong": html.Strong, "em": html.Em, "ul": html.Ul, "ol": html.Ol,
    "li": html.Li, "h1": html.H4, "h2": html.H5, "h3": html.H6, "h4": html.H6, "h5": html.H6,
    "h6": html.H6, "blockquote": html.Blockquote, "code": html.Code, "a": html.A,
    "s": html.S, "table": html.Table, "thead": html.Thead, "tbody": html.Tbody, "tr": html.Tr,
    "th": html.Th, "td": html.Td,
}  # fmt: skip


def _build(tokens: list[Token]) -> list:
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
            target.extend(_build(token.children or []))
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


def text(data: PanelData):
    return html.Div(_build(_PARSER.parse(data.panel.content)), className="text-panel")
