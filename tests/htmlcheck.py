"""Read rendered HTML the way a browser would: elements, attributes and visible text (stdlib parser)."""

from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self._text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
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
                if name in ("href", "src", "action", "formaction", "xlink:href") and (value or "").strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                    found.append(f"{tag}[{name}={value[:30]}]")
        return found
