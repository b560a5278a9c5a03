"""Reading our HTML pages in tests with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.articles: list[dict] = []
        self._in_article = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "article":  # our pages never nest articles
            self.articles.append({**dict(attrs), "text": []})
            self._in_article = True

    def tags_with(self, attribute: str) -> list[dict[str, str | None]]:
        """The attributes of every tag carrying `attribute`, in page order."""
        return [attrs for _tag, attrs in self.tags if attribute in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._in_article = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_article:
            self.articles[-1]["text"].append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    for article in page.articles:
        article["text"] = " ".join(" ".join(article["text"]).split())
    return page


def visible_text(html: str) -> str:
    """The page's text with whitespace collapsed, character references decoded."""
    return " ".join(" ".join(parse(html).text).split())
