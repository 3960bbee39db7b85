"""Every rule id the code emits or looks up, each checked against the catalogue when this module loads.

A rule renamed in its TOML file without its line here stops the import with the id that is missing,
instead of silently losing what tagging reads from it.
"""

from __future__ import annotations

from pipeline.rules import declared, rules_of

# Emitted by extract_text.
NOT_MAIN_CONTENT = declared("extract.not_main_content")
SCRIPT_ERROR = declared("server.script_error")
# Emitted by strip_boilerplate.
TITLE_HEADING = declared("title.heading")
TITLE_REPEAT = declared("title.repeat")
HEADER_ZONE = declared("structure.header_zone")
FOOTER_ZONE = declared("structure.footer_zone")
LINK_LIST = declared("structure.link_list")
ABOVE_HEADLINE = declared("structure.above_headline")
EMPTY_ITEM = declared("structure.empty_item")
LINE_SCORE = declared("model.line_score")
REPEATED_LINE = declared("learned.repeated_line")
# Emitted by segment_paragraphs.
BYLINE = declared("credits.byline")
# Catalogue rules whose removed lines tagging reads.
TAXONOMY_CATEGORIES = declared("taxonomy.categories")
TAXONOMY_TAGS = declared("taxonomy.tags")
#: Every credit line (wire sources, reporting and photo credits, bylines): tagging reads an agency
#: from them.
CREDIT_RULES = rules_of("credits")
