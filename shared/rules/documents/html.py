"""The console's printed page: the same composed lines as the PDF, placed by a stylesheet built from the same layout values."""

from __future__ import annotations

from importlib import resources

from markupsafe import Markup, escape

from shared.rules.documents.compose import STYLE, Line, cell_text, compose
from shared.rules.documents.model import FONT_FILES, Layout, OfficialDocument, Table, load_layout, nfc

# --- The printed page (HTML) ---------------------------------------------------------------------------------------


def font_bytes(file_name: str) -> bytes:
    """One of the shipped font files (a name in FONT_FILES), for a page that prints with the PDF's font."""
    if file_name not in FONT_FILES.values():
        raise KeyError(file_name)
    return (resources.files("shared") / "data" / "fonts" / file_name).read_bytes()


def document_css(layout: Layout | None = None, font_url: str = "") -> str:
    """The printed page's style, from the same layout values as the PDF (A4, margins, sizes). With `font_url` (a
    prefix the font file names are appended to) the page uses the shipped Liberation Serif as the PDF does."""
    lay = layout or load_layout()
    v = lay.v
    sizes = {role: v(key) for role, (_, key, _) in STYLE.items()}
    faces = [
        f'@font-face {{ font-family: "Liberation Serif"; src: url("{font_url}{name}") format("truetype"); '
        f"font-weight: {'bold' if 'B' in style else 'normal'}; font-style: {'italic' if 'I' in style else 'normal'}; }}"
        for style, name in FONT_FILES.items()
        if font_url
    ]
    rules = [
        *faces,
        f"@page {{ size: A4; margin: {v('margin_top_mm')}mm {v('margin_right_mm')}mm {v('margin_bottom_mm')}mm "
        f"{v('margin_left_mm')}mm; }}",
        '.official { font-family: "Liberation Serif", "Times New Roman", Tinos, serif; color: #000; line-height: 1.15; '
        f"font-size: {v('body_pt')}pt; position: relative; }}",
        ".official p { margin: 0; } .official h2.od-kind { margin: 0; text-transform: none; }",
        f".official {{ box-sizing: border-box; width: 210mm; max-width: 100%; padding: {v('margin_top_mm')}mm "
        f"{v('margin_right_mm')}mm {v('margin_bottom_mm')}mm {v('margin_left_mm')}mm; }}",
        "@media print { .official { width: auto; padding: 0; border: 0; } }",
        ".official .od-row { display: flex; align-items: flex-start; }",
        f".official .od-left {{ flex: 0 0 {v('masthead_left_mm')}mm; text-align: center; }}",
        ".official .od-right { flex: 1; text-align: center; }",
        ".official .od-rule { border-top: 0.25mm solid #000; margin: 0.8mm auto 0; height: 0; }",
        ".official .od-issuer + .od-rule { width: 33%; } .official .od-motto + .od-rule { width: 60%; }",
        ".official .od-dated { margin-top: 3mm; margin-bottom: 6mm; }",
        ".official .od-center { text-align: center; }",
        ".official .od-subject + .od-rule { width: 30%; margin-bottom: 3mm; }",
        ".official .od-authority { margin-top: 3mm; margin-bottom: 4mm; }",
        ".official .od-addressee { margin-top: 4mm; margin-bottom: 4mm; }",
        ".official .od-subject + .od-rule { margin-top: 2.5mm; }",
        f".official .od-basis, .official .od-body {{ text-align: justify; text-indent: {v('first_line_indent_mm')}mm; "
        f"line-height: {v('line_spacing')}; margin-bottom: {v('paragraph_space_pt')}pt; }}",
        ".official .od-basis { font-style: italic; }",
        ".official .od-signrow { display: flex; margin-top: 2mm; break-inside: avoid; page-break-inside: avoid; }",
        ".official .od-recipients { flex: 0 0 45%; } .official .od-signature { flex: 1; text-align: center; }",
        f".official .od-space {{ height: {v('signing_space_mm')}mm; }}",
        ".official .od-appendix { break-before: page; page-break-before: always; margin-top: 8mm; }",
        ".official .od-appendix .od-rule { width: 25%; margin-bottom: 6mm; }",
        f".official table.od-table {{ width: 100%; border-collapse: collapse; font-size: {v('table_pt')}pt; }}",
        ".official table.od-table th, .official table.od-table td { border: 0.25mm solid #000; padding: 1mm; "
        "vertical-align: top; }",
        ".official table.od-table th { color: #000; background: none; font-weight: bold; text-transform: none; "
        "font-size: inherit; letter-spacing: normal; }",
        ".official table.od-table thead { display: table-header-group; } .official table.od-table tr { break-inside: avoid; }",
        ".official .od-C { text-align: center; } .official .od-R { text-align: right; }",
        ".official .od-total td { font-weight: bold; }",
        f".official .od-table-heading {{ font-weight: bold; font-size: {v('table_pt') + 1}pt; margin-top: 2mm; }}",
    ]
    for role, (style, _, align) in STYLE.items():
        decl = [f"font-size: {sizes[role]}pt"]
        if "B" in style:
            decl.append("font-weight: bold")
        if "I" in style:
            decl.append("font-style: italic")
        if align == "C":
            decl.append("text-align: center")
        rules.append(f".official .od-{role.replace('_', '-')} {{ {'; '.join(decl)}; }}")
    return "\n".join(rules)


def _p(line: Line, tag: str = "p") -> str:
    cls = f"od-{line.role.replace('_', '-')}"
    lead = f"<strong>{escape(line.lead)}</strong> " if line.lead and line.role != "addressee" else ""
    if line.lead and line.role == "addressee":
        lead = f"{escape(line.lead)} "
    return f'<{tag} class="{cls}">{lead}{escape(line.text)}</{tag}>'


def _html_table(table: Table) -> str:
    parts = [f'<p class="od-table-heading">{escape(nfc(table.heading))}</p>'] if table.heading else []
    head = "".join(f'<th class="od-C">{escape(nfc(c.title))}</th>' for c in table.columns)
    weight = sum(c.width for c in table.columns)
    # The PDF's relative column widths, as <col width> (an attribute: the console's CSP allows no inline style)
    cols = "".join(f'<col width="{100 * c.width / weight:.1f}%">' for c in table.columns)
    parts.append(f'<table class="od-table"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>')

    def row(values: tuple[str | int, ...], cls: str = "") -> str:
        cells = "".join(
            f'<td class="od-{"R" if c.money else c.align}">{escape(cell_text(c, v))}</td>'
            for c, v in zip(table.columns, values, strict=True)
        )
        return f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>"

    parts += [row(values) for values in table.rows]
    if table.total is not None:
        parts.append(row(table.total, "od-total"))
    parts.append("</tbody></table>")
    return "".join(parts)


def to_html(doc: OfficialDocument) -> Markup:
    """The document as the console prints it: the same lines as `to_pdf`, placed by the classes `document_css`
    styles from the same layout values (a stylesheet of its own: the console's Content-Security-Policy allows no
    inline style)."""
    comp = compose(doc)
    out = ['<article class="doc official">']
    if comp.watermark:
        out.append(f'<div class="stamp" aria-hidden="true">{escape(comp.watermark)}</div>')
    names = [line for line in comp.masthead_left if line.role != "number"]
    number = next(line for line in comp.masthead_left if line.role == "number")
    national, motto, dated = comp.masthead_right
    out.append('<div class="od-row od-masthead"><div class="od-left">')
    out += [_p(line) for line in names]
    out.append('<div class="od-rule"></div></div><div class="od-right">')
    out += [_p(national), _p(motto), '<div class="od-rule"></div></div></div>']
    out.append(
        f'<div class="od-row od-dated"><div class="od-left">{_p(number)}</div><div class="od-right">{_p(dated)}</div></div>'
    )
    for line in comp.heading:
        out.append(_p(line, "h2") if line.role == "kind" else _p(line))
        if line.role == "subject":
            out.append('<div class="od-rule"></div>')
    out += [_p(line) for line in (*comp.basis, *comp.body)]
    out += [_html_table(t) for t in comp.inline_tables]
    out += [_p(line) for line in comp.closing]
    out.append('<div class="od-signrow"><div class="od-recipients">')
    out += [_p(line) for line in comp.recipients]
    out.append('</div><div class="od-signature">')
    for line in comp.signature:
        if line.role == "sig_name":
            out.append('<div class="od-space"></div>')
        out.append(_p(line))
    if not any(line.role == "sig_name" for line in comp.signature):
        out.append('<div class="od-space"></div>')
    out.append("</div></div>")
    if comp.appendix:
        out.append('<section class="od-appendix">')
        out += [_p(line) for line in comp.appendix]
        out.append('<div class="od-rule"></div>')
        out += [_html_table(t) for t in comp.appendix_tables]
        out.append("</section>")
    out.append("</article>")
    return Markup("".join(out))  # every text above went through `escape`
