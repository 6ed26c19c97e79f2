"""report: renders a YAML inventory as an HTML or text report with Jinja2 templates."""
