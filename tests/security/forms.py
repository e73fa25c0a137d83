"""The forms of a page, read with the standard library's HTML parser: action, method and fields."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def defaults(self) -> dict[str, str]:
        """What a browser would send untouched: hidden and text values, the first option, no checkbox."""
        data = {}
        for item in self.fields.values():
            if item.kind in ("checkbox", "radio", "submit", "button", "file", "image", "reset"):
                continue
            data[item.name] = item.options[0] if item.kind == "select" and item.options else item.value
        return data

    def editable(self) -> list[Field]:
        return [
            item
            for item in self.fields.values()
            if item.kind not in ("hidden", "submit", "button", "image", "reset") and item.name != "csrf_token"
        ]


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = Form(
                action=attrs.get("action") or self.page_url, method=method, enctype=attrs.get("enctype", "")
            )
            self.forms.append(self._form)
        elif self._form is None or "name" not in attrs:
            if tag == "option" and self._select is not None:
                self._select.options.append(attrs.get("value", ""))
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            self._form.fields.setdefault(attrs["name"], Field(attrs["name"], kind, attrs.get("value", "")))
        elif tag == "select":
            self._select = self._form.fields.setdefault(attrs["name"], Field(attrs["name"], "select"))
        elif tag == "textarea":
            self._textarea = self._form.fields.setdefault(attrs["name"], Field(attrs["name"], "textarea"))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_forms(html: str, page_url: str) -> list[Form]:
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms
