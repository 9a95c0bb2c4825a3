"""Server-side exports, drawn from data rather than screenshots: a panel as PNG, SVG or CSV, a
dashboard as a PDF report; the same files from the browser (routes/exports.py) and from cron
(`flask report`, commands/report.py)."""
