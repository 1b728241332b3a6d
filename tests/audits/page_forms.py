"""Read a page's form as a browser would post it back: every field with the value shown.

Tests fill a page's form by its labels and post it, so they hold for any field names.
"""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.labels: dict[str, str] = {}  # label text -> the id it is for
        self.names: dict[str, str] = {}  # element id -> field name
        self._select = None
        self._textarea = None
        self._label = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if name and attrs.get("id"):
            self.names[attrs["id"]] = name
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            else:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "label" and attrs.get("for"):
            self._label = [attrs["for"], ""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # A browser drops the one new line that may follow <textarea>.
                self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "label" and self._label:
            self.labels[" ".join(self._label[1].split())] = self._label[0]
            self._label = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data
        if self._label:
            self._label[1] += data


class PageForm:
    """The fields of a page's forms with their shown values, to change by label and post."""

    def __init__(self, html: str):
        reader = _FormReader()
        reader.feed(html)
        self.data = dict(reader.fields)
        self._labels, self._names = reader.labels, reader.names

    def name_of(self, label: str) -> str:
        return self._names[self._labels[label]]

    def value(self, label: str) -> str:
        return self.data[self.name_of(label)]

    def set(self, label: str, value: str) -> "PageForm":
        self.data[self.name_of(label)] = value
        return self

    def post(self, **buttons) -> dict:
        """What the browser sends when one button (name=value) is pressed."""
        return {**self.data, **buttons}
