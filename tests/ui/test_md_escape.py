"""``md_escape``: untrusted text is shown literally and never becomes a link (issue 10, item 9)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from dvtools.ui.format import WORD_JOINER, md_escape

_AUTOLINKABLE = re.compile(r"\w://|(?i:\bwww)\\?\.|\w@")


def test_bare_urls_www_names_and_emails_are_broken_by_a_word_joiner() -> None:
    for text in ("https://evil.example/x", "HTTP://E.X", "ftp://f.example", "www.evil.com", "WWW.EVIL.COM",
                 "me@evil.com", "mailto:me@evil.com", "see <https://a.b> and [x](https://c.d)"):
        out = md_escape(text)
        assert not _AUTOLINKABLE.search(out), (text, out)
        assert out.replace(WORD_JOINER, "").replace("\\", "") == text.replace("\\", "")


@given(st.text(alphabet=st.sampled_from(list("htps:/w.@ ax\\[]()<>")), max_size=40))
def test_md_escape_never_leaves_an_autolink_pattern(text: str) -> None:
    out = md_escape(text)
    assert not _AUTOLINKABLE.search(out.replace("\\\\", "")), (text, out)
