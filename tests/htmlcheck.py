"""Read rendered HTML the way a browser would: elements, attributes and visible text (stdlib parser)."""

from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.tags_after_sources: set[int] = set()  # indexes of tags inside/after the sources section
        self._in_sources = False
        self._text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id") == "sources":
            self._in_sources = True
        if self._in_sources:
            self.tags_after_sources.add(len(self.tags))
        self.tags.append((tag, attributes))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def executable_markup(self) -> list[str]:
        """Anything that could run: script/iframe/object/embed elements, on* handlers, javascript: URLs, SVG."""
        found = []
        for tag, attrs in self.tags:
            if tag in ("script", "iframe", "object", "embed", "svg", "math", "base", "form"):
                found.append(f"<{tag}>")
            for name, value in attrs.items():
                if name.startswith("on"):
                    found.append(f"{tag}[{name}]")
                if name in ("href", "src", "action", "formaction", "xlink:href") and (
                    value or ""
                ).strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                    found.append(f"{tag}[{name}={value[:30]}]")
        return found

    def external_references(self) -> list[str]:
        """src/href/etc. pointing off the page, except plain <a href> links in the sources section."""
        found = []
        for index, (tag, attrs) in enumerate(self.tags):
            for name in ("src", "href", "srcset", "poster", "data", "action", "xlink:href"):
                value = (attrs.get(name) or "").strip().lower()
                if value.startswith(("http:", "https:", "//", "ftp:")):
                    if not (tag == "a" and name == "href" and index in self.tags_after_sources):
                        found.append(f"<{tag} {name}={value[:60]}>")
        return found
