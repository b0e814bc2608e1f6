"""Why MediaWiki would refuse a file as a script risk at upload: its checks, run in the dry run.

MediaWiki refuses any file whose first kilobyte a browser could take for HTML or script
(``UploadBase::detectScript``: ``<html``, ``<script``, ``javascript:`` …), and reads every SVG for what
could run script or load something from elsewhere (``UploadBase::detectScriptInSvg``): a ``<script>``, an
``on…`` attribute, a link that is not inside the file, a namespace it does not know, remote CSS, an
external DTD, a stylesheet instruction, an unusual XML encoding, XML that is not well-formed. Commons runs
the same code. The dry run applies the same rules (``mappings/script-checks.yaml`` holds the lists, with
their source), so such a file is an error on its record before anything is sent, not a refusal after its
bytes were; ``tests/test_scriptcheck_wiki.py`` uploads every sample to the sandbox's MediaWiki and
requires the same verdict.

The XML is parsed without network and without external entities (internal ones only once the DTD is
found to be the flat kind MediaWiki allows: no entity refers to more than one other).
"""

from __future__ import annotations

import functools
import html
import io
import re
from dataclasses import dataclass

import yaml
from lxml import etree

from glamupload import resources

_DOCTYPE = re.compile(rb"<!DOCTYPE\s*\S+\s*(?P<external>[^\[>]*)(?:\[(?P<internal>.*?)\]\s*)?>", re.DOTALL)
_EXTERNAL = re.compile(
    r"(?:PUBLIC\s*(?:\"(?P<pq>[^\"]*)\"|'(?P<pa>[^']*)')\s*(?:\"(?P<sq>[^\"]*)\"|'(?P<sa>[^']*)')"
    r"|SYSTEM\s*(?:\"(?P<ssq>[^\"]*)\"|'(?P<ssa>[^']*)'))?\s*$",
    re.DOTALL,
)
# XmlTypeCheck::checkDTDIsSafe: entities that are short text or an alias of one other entity, comments,
# and graphviz's xlink declaration; nothing else in the internal subset.
_SAFE_DTD = re.compile(
    r"(?:\s*<!ENTITY\s+\S+\s+"
    r"(?:\"(?:&[^\"%&;]{1,64};|(?:[^\"%&]|&amp;|&quot;){0,255})\""
    r"|'(?:&[^\"%&;]{1,64};|(?:[^'%&]|&amp;|&apos;){0,255})')\s*>"
    r"|\s*<!--(?:[^-]|-[^-])*-->"
    r"|\s*<!ATTLIST svg xmlns:xlink CDATA #FIXED \"http://www.w3.org/1999/xlink\">)*\s*"
)
_BUGGY_INKSCAPE = re.compile(r"&(#38;)*ns_[a-z_]+;")  # Illustrator namespaces Inkscape mangled (T144827)
_DATA_IMAGE = re.compile(
    r"data:\s*image/(gif|jpeg|jpg|png)"
    r"(?:;[a-z0-9!#$&'*+.^_`{|}~-]+=(?:[a-z0-9!#$&'*+.^_`{|}~-]+|\"(?:[\0-\x0c\x0e-\x21\x23-\x5b\x5d-\x7f]+"
    r"|\\[\0-\x7f])*\"))*(?:;base64)?,"
)
_REMOTE = re.compile(r"(http|https|data|script):", re.DOTALL)
_CSS_CODE = re.compile(r"expression|-o-link\s*:|-o-link-source\s*:|-o-replace\s*:", re.IGNORECASE)
_CSS_URL = re.compile(r"(\s*(url|image|image-set)\s*\(\s*[\"']?\s*[^#]+.*?\))", re.DOTALL | re.IGNORECASE)
_CSS_LOCAL = re.compile(r"\s*(url|image|image-set)\s*\(\s*(#|'#|\"#)", re.IGNORECASE)
_CSS_FONT = re.compile(r"(@font-face\s*{[^}]*src:)url(\(\"data:;base64,)", re.IGNORECASE)
_CSS_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
_IMAGE_FILTER_URL = re.compile(r"url\s*\(\s*[\"']?[^#]", re.DOTALL | re.IGNORECASE)
_XMLNS = "http://www.w3.org/2000/xmlns/"


@dataclass(frozen=True)
class Refusal:
    """What MediaWiki would say: its message key (``uploaded-script-svg``) and why, in words."""

    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} ({self.key})"


@dataclass(frozen=True)
class _Rules:
    namespaces: frozenset[str]
    script_elements: frozenset[str]
    css_attributes: frozenset[str]
    dtds: frozenset[str]
    xml_encodings: frozenset[str]
    html_tags: tuple[str, ...]


@functools.cache
def _rules() -> _Rules:
    data = yaml.safe_load((resources.mappings_dir() / "script-checks.yaml").read_text(encoding="utf-8"))
    sets = {
        key: frozenset(map(str, data[key])) for key in ("namespaces", "script_elements", "css_attributes")
    }
    return _Rules(
        **sets,
        dtds=frozenset(map(str, data["dtds"])),
        xml_encodings=frozenset(map(str, data["xml_encodings"])),
        html_tags=tuple(map(str, data["html_tags"])),
    )


#: How much of a file ``detectScript`` reads (a text file it reads whole; glamupload uploads none).
SCRIPT_BYTES = 1024
#: How much of an SVG is searched for its XML declaration (MediaWiki's $wgSVGMetadataCutoff).
SVG_DECLARATION_BYTES = 262_144
_HTML_DOCTYPE = re.compile(rb"<!DOCTYPE *X?HTML", re.IGNORECASE)
_SCRIPT_TYPE = re.compile(r"type\s*=\s*['\"]?\s*(?:\w*/)?(?:ecma|java)", re.DOTALL | re.IGNORECASE)
_SCRIPT_URL = re.compile(r"(?:href|src|data)\s*=\s*['\"]?\s*(?:ecma|java)script:", re.DOTALL | re.IGNORECASE)
_CSS_SCRIPT_URL = re.compile(r"url\s*\(\s*['\"]?\s*(?:ecma|java)script:", re.DOTALL | re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"<\?xml\b(.*?)\?>", re.DOTALL | re.IGNORECASE)
_XML_DECLARATION_START = re.compile(rb"<\?xml\b", re.IGNORECASE)
_ENCODING = re.compile(rb"encoding[ \t\n\r]*=[ \t\n\r]*['\"](.*?)['\"]", re.DOTALL | re.IGNORECASE)


def scripted_problem(head: bytes) -> Refusal | None:
    """UploadBase::detectScript on a file's first ``SCRIPT_BYTES``: what a browser could take for HTML or
    script (``uploadscripted``), whatever the file's type; None when there is nothing of the kind."""
    if head[:2] in (b"\xfe\xff", b"\xff\xfe"):  # UTF-16 is read as its ASCII letters
        head = head.decode("utf-16-be" if head[:1] == b"\xfe" else "utf-16-le", "ignore").encode(
            "ascii", "ignore"
        )
    low = head.lower().strip(b" \t\n\r\0\x0b")  # ASCII letters only, as PHP's strtolower and trim
    if _HTML_DOCTYPE.search(low):
        return Refusal("uploadscripted", "it starts like an HTML page")
    tag = next((tag for tag in _rules().html_tags if tag.encode() in low), None)
    if tag is not None:
        return Refusal(
            "uploadscripted", f"its first kilobyte holds {tag!r}, which a browser could take for HTML"
        )
    # the script checks need "java" or "ecma", written out or as numeric character references (no named
    # one is a letter): without them, the ~100 µs of decoding and searching are skipped (most images)
    if b"java" not in low and b"ecma" not in low and b"&#" not in low:
        return None
    chunk = html.unescape(low.decode("latin-1"))
    if _SCRIPT_TYPE.search(chunk) or _SCRIPT_URL.search(chunk) or _CSS_SCRIPT_URL.search(chunk):
        return Refusal("uploadscripted", "its first kilobyte names JavaScript")
    return None


def svg_problem(data: bytes) -> Refusal | None:
    """Why MediaWiki would refuse this SVG, or None when it takes it."""
    rules = _rules()
    problem = scripted_problem(data[:SCRIPT_BYTES]) or _encoding_problem(data[:SVG_DECLARATION_BYTES], rules)
    if problem is not None:
        return problem
    doctype = _DOCTYPE.search(data)
    internal = None
    if doctype is not None:
        internal = doctype.group("internal")
        problem = _dtd_problem(doctype.group("external").decode("latin-1"), rules)
        if problem is None and internal is not None and not _SAFE_DTD.fullmatch(internal.decode("latin-1")):
            problem = Refusal("uploadinvalidxml", "its DTD declares more than short text entities")
        if problem is not None:
            return problem
    try:
        return _elements_problem(data, rules, resolve=internal is not None)
    except etree.XMLSyntaxError as exc:
        return Refusal("uploadinvalidxml", f"it is not well-formed XML: {exc.msg}")


def _encoding_problem(head: bytes, rules: _Rules) -> Refusal | None:
    """UploadBase::checkXMLEncodingMissmatch: an XML declaration that ends, naming a common encoding
    (parsers and browsers may read others differently), also when the file is UTF-16 or UTF-32."""
    if head.startswith(b"\x4c\x6f\xa7\x94") and not _XML_DECLARATION_START.search(head):
        return Refusal("uploadscripted", "it is XML in EBCDIC")
    wide = (head.decode(codec, "ignore").encode() for codec in ("utf-16", "utf-16-be", "utf-32", "utf-32-be"))
    for text in (head, *wide):
        declaration = _XML_DECLARATION.search(text)
        if declaration is None:
            if _XML_DECLARATION_START.search(text):
                return Refusal("uploadscripted", "its XML declaration does not end")
            continue
        found = _ENCODING.search(declaration.group(1))
        name = found.group(1).decode("latin-1") if found is not None else None
        if name is not None and name.upper() not in rules.xml_encodings:
            return Refusal(
                "uploadscripted", f"its XML declaration names the encoding {name!r}, which browsers misread"
            )
    return None


def _dtd_problem(external: str, rules: _Rules) -> Refusal | None:
    """UploadBase::checkSvgExternalDTD: no DTD, or one of the SVG standard's by its W3C public id."""
    found = _EXTERNAL.fullmatch(external.strip())
    if found is None:
        return Refusal("uploadinvalidxml", "its DOCTYPE cannot be read")
    public, system = found["pq"] or found["pa"], found["sq"] or found["sa"] or found["ssq"] or found["ssa"]
    if public is None and system is None:
        return None
    if public is None or system not in rules.dtds or not public.startswith("-//W3C//"):
        return Refusal("upload-scripted-dtd", f"it names the DTD {system!r}, not one of the SVG standard's")
    return None


def _elements_problem(data: bytes, rules: _Rules, *, resolve: bool) -> Refusal | None:
    """Every element and processing instruction, as MediaWiki's filter sees them (names and attribute
    values in lower case, checked when the element closes); the first refusal."""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end", "pi"),
        resolve_entities=resolve,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    for event, node in events:
        if event == "pi":
            if "xml-stylesheet" in str(node.target).lower():
                return Refusal("upload-scripted-pi-callback", "it holds an xml-stylesheet instruction")
            continue
        namespace, name = _split(str(node.tag))
        problem = _element_problem(namespace, name, node, rules)
        if problem is not None:
            return problem
        node.clear(keep_tail=True)
    return None


def _split(qualified: str) -> tuple[str, str]:
    """``{uri}local`` → (uri, local), both in lower case (UploadBase::splitXmlNamespace)."""
    uri, _, local = qualified[1:].rpartition("}") if qualified.startswith("{") else ("", "", qualified)
    return uri.lower(), local.lower()


def _element_problem(namespace: str, name: str, node: etree._Element, rules: _Rules) -> Refusal | None:
    if namespace not in rules.namespaces and not _BUGGY_INKSCAPE.fullmatch(namespace):
        return Refusal("uploadscriptednamespace", f"it uses the namespace {namespace!r}, not allowed in SVG")
    if name in rules.script_elements:
        return Refusal("uploaded-script-svg", f"it holds a <{name}> element, which can run script")
    if name == "style" and _hostile_css(_normalised_css(node.text or "")):
        return Refusal("uploaded-hostile-svg", "its <style> loads something from elsewhere or runs code")
    for qualified, raw in node.attrib.items():
        attribute_ns, attribute = _split(str(qualified))
        if attribute_ns == _XMLNS:
            continue
        problem = _attribute_problem(name, attribute, str(raw).lower(), rules)
        if problem is not None:
            return Refusal(problem.key, f"<{name} {attribute}=…> {problem.reason}")
    return None


def _attribute_problem(name: str, attribute: str, value: str, rules: _Rules) -> Refusal | None:  # noqa: PLR0911
    """UploadBase::checkSvgScriptCallback's rules for one attribute, in its order."""
    if attribute.startswith("on"):
        return Refusal("uploaded-event-handler-on-svg", "is an event handler, which runs script")
    if attribute == "href" and value and not value.startswith(("data:", "#")):
        if not (name == "a" and re.match(r"https?://", value)):
            return Refusal("uploaded-href-attribute-svg", "links outside the file")
    if attribute == "href" and value.startswith("data:") and not _DATA_IMAGE.match(value):
        return Refusal("uploaded-href-unsafe-target-svg", "embeds data that is not a GIF, JPEG or PNG image")
    if attribute == "attributename" and name == "animate" and _split_prefix(value) == "href":
        return Refusal("uploaded-animate-svg", "animates a link")
    if name in ("set", "animate") and attribute == "attributename" and value.startswith("on"):
        return Refusal("uploaded-setting-event-handler-svg", "sets an event handler")
    if name == "set" and attribute == "attributename" and "href" in value:
        return Refusal("uploaded-setting-href-svg", "sets a link")
    if name == "set" and attribute == "to" and _REMOTE.search(value):
        return Refusal("uploaded-wrong-setting-svg", "sets a remote, data or script value")
    if attribute == "handler" and _REMOTE.search(value):
        return Refusal("uploaded-setting-handler-svg", "names a remote, data or script handler")
    if attribute == "style" and _hostile_css(_normalised_css(value)):
        return Refusal("uploaded-remote-url-svg", "is a style that loads something from elsewhere")
    if attribute in rules.css_attributes and _hostile_css(value):
        return Refusal("uploaded-remote-url-svg", "loads something from elsewhere")
    if name == "image" and attribute == "filter" and _IMAGE_FILTER_URL.search(value):
        return Refusal("uploaded-image-filter-svg", "is a filter from outside the file")
    return None


def _split_prefix(value: str) -> str:
    """``xlink:href`` → ``href`` (UploadBase::stripXmlNamespace)."""
    return value.rpartition(":")[2]


def _normalised_css(css: str) -> str:
    """CSS as MediaWiki's ``Sanitizer::normalizeCss`` reads it for these checks: comments removed and
    escapes decoded, so that ``u\\72l(`` is ``url(``."""
    css = _CSS_COMMENT.sub(" ", css)

    def unescaped(found: re.Match[str]) -> str:
        code = found.group(1)
        if code is None:
            return found.group(2)
        number = int(code, 16)
        return chr(number) if 0 < number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF else "\ufffd"

    return _CSS_ESCAPE.sub(unescaped, css)


def _hostile_css(css: str) -> bool:
    """UploadBase::checkCssFragment: an @import, script-like CSS, a url() that is not inside the file
    (a font embedded as data excepted), or a control character."""
    if "@import" in css.lower():
        return True
    css = _CSS_FONT.sub(r"\1\2", css)
    if _CSS_CODE.search(css):
        return True
    if any(not _CSS_LOCAL.search(found.group(1)) for found in _CSS_URL.finditer(css)):
        return True
    return bool(_CSS_CONTROL.search(css))
