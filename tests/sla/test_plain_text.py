import re

import pytest

from sla.plain_text import escape_markdown

pytestmark = pytest.mark.pure

#: What a Markdown renderer acts on, left bare: a link or image opener, an HTML tag, a
#: heading or list marker at a line's start, an emphasis marker.
UNESCAPED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def code_spans_removed(escaped: str) -> str:
    return re.sub(r"(`+).*?\1", "", escaped)


def test_plain_words_stay_as_they_are() -> None:
    assert escape_markdown("Webhooks delayed · Visible Co · major") == \
        "Webhooks delayed · Visible Co · major"


def test_a_look_alike_console_link_is_text() -> None:
    escaped = escape_markdown("[Open in the console](https://evil.example/queue)")
    assert not UNESCAPED_LINK.search(code_spans_removed(escaped))
    assert "https://evil.example" not in code_spans_removed(escaped)
    assert escaped == "\\[Open in the `console](https://evil.example/queue)`"


def test_an_image_is_text() -> None:
    escaped = escape_markdown("![x](https://evil.example/pixel.png)")
    assert escaped == "`![x](https://evil.example/pixel.png)`"
    assert not UNESCAPED_LINK.search(code_spans_removed(escaped))


def test_html_is_entities() -> None:
    escaped = escape_markdown('<a href="https://evil.example">console</a><img src=x>')
    assert "<" not in code_spans_removed(escaped) and ">" not in code_spans_removed(escaped)
    assert escape_markdown("<b>x</b>") == "&lt;b&gt;x&lt;\\/b&gt;"


def test_headings_lists_and_quotes_do_not_start_blocks() -> None:
    assert escape_markdown("# heading") == "\\# heading"
    assert escape_markdown("first\n# heading\n- item\n> quote\n1. one") == \
        "first \\# heading \\- item &gt; quote 1\\. one"
    kept = escape_markdown("line\n=====\n# heading", one_line=False)
    assert kept == "line\n\\=\\=\\=\\=\\=\n\\# heading"


def test_emphasis_is_escaped() -> None:
    assert escape_markdown("**bold** _it_") == "\\*\\*bold\\*\\* \\_it\\_"


@pytest.mark.parametrize("url", ["https://evil.example/login", "http://x.io",
                                 "www.evil.example", "javascript:alert(1)",
                                 "ops@evil.example", "evil.example"])
def test_autolinks_are_code_spans(url: str) -> None:
    escaped = escape_markdown(f"see {url} now")
    assert escaped == f"see `{url}` now"


def test_backticks_cannot_close_a_code_span_early() -> None:
    escaped = escape_markdown("https://a.example/`x`](https://evil)")
    assert escaped == "``https://a.example/`x`](https://evil)``"
    assert escape_markdown("`https://a.example`") == "`` `https://a.example` ``"
    assert escape_markdown("`code`") == "\\`code\\`"


def test_a_label_and_a_time_are_words_not_links() -> None:
    assert escape_markdown("created: at 17:47 UTC") == "created: at 17:47 UTC"
