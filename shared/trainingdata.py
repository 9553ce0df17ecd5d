"""Streaming reader and format validator for fine-tuning training files (JSONL).

The reader is fed raw bytes in chunks of any size (a file, stdin, a blob download)
and yields one :class:`Example` per valid line: every text in it, with the line
number and field path it came from. Memory stays bounded whatever the file size:
it holds at most one line (capped at :data:`MAX_LINE_BYTES`) and a fixed number of
format errors.

Nothing a user wrote is ever copied into a :class:`FormatError`: not a value, not
a role, not a field name. Errors name the line and the rule broken, so they can
be logged and stored without leaking training data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, BinaryIO, Final, NoReturn

from shared.digests import DigestTable
from shared.errors import FtgateError

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
MIN_EXAMPLES: Final = 10
MAX_ERRORS_KEPT: Final = 100
MAX_DEPTH: Final = 64  # nesting ftgate walks inside tool schemas and extra fields
# Per-line limits on what parsing may build, checked on the bytes before parsing:
# a 16 MiB line of tiny strings would otherwise make ~4 million objects (~900 MB).
# No real example comes near them: a model's context holds fewer tokens.
MAX_STRINGS_PER_LINE: Final = 100_000  # keys and values; bounds the texts per line
MAX_VALUES_PER_LINE: Final = 1_000_000  # numbers, literals, arrays and objects too
CHUNK_SIZE: Final = 1024 * 1024
# Vision fine-tuning's limits (Azure OpenAI): images per example, bytes per image, types.
MAX_IMAGES_PER_EXAMPLE: Final = 64
MAX_IMAGE_BYTES: Final = 10 * 1024 * 1024
IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/jpg", "image/png", "image/webp"})
# The data-quality notes the platform warns about without refusing the file.
EXAMPLE_TOKEN_LIMIT: Final = 65_536  # tokens an example may hold before it is truncated
CHARS_PER_TOKEN: Final = 4  # a rough estimate for English: format warnings and cost estimates
MAX_LINES_TRACKED: Final = 100_000  # distinct lines remembered to spot repeats

_BOM: Final = b"\xef\xbb\xbf"
_JSON_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRUCTURE: Final = (b",", b"[", b"{")
# An escape of a UTF-16 surrogate half; only a line holding one can decode to a lone one.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_TOO_DEEP: Final = f"the JSON is nested more than {MAX_DEPTH} levels deep"
ROLES: Final = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_CHAT_FIELDS: Final = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})
_DPO_FIELDS: Final = frozenset({"input", "preferred_output", "non_preferred_output"})
_DPO_INPUT_FIELDS: Final = frozenset({"messages", "tools", "parallel_tool_calls"})
_BASE_MESSAGE: Final = frozenset({"role", "content", "name"})
_MESSAGE_FIELDS: Final = {
    "system": _BASE_MESSAGE,
    "developer": _BASE_MESSAGE,
    "user": _BASE_MESSAGE,
    "assistant": _BASE_MESSAGE | {"weight", "tool_calls", "function_call", "refusal"},
    "tool": _BASE_MESSAGE | {"tool_call_id"},
    "function": _BASE_MESSAGE,
}
_FUNCTION_FIELDS: Final = frozenset({"name", "description", "parameters", "strict"})
_IMAGE_DETAILS: Final = frozenset({"auto", "low", "high"})
# JSON Schema (2020-12 and draft 7) keywords: fixed words that may name a path.
# Keywords holding maps from author-chosen names to schemas:
_SCHEMA_MAPS: Final = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
     "dependentRequired", "dependencies"}
)  # fmt: skip
# Keywords holding data, not schemas: every string in them is screened as data.
_SCHEMA_DATA: Final = frozenset({"enum", "const", "default", "examples", "required"})
_SCHEMA_KEYWORDS: Final = _SCHEMA_MAPS | _SCHEMA_DATA | frozenset(
    {"type", "title", "description", "$comment", "$ref", "$id", "$schema", "$anchor",
     "$dynamicRef", "$dynamicAnchor", "$vocabulary", "format", "pattern", "items",
     "prefixItems", "additionalItems", "additionalProperties", "unevaluatedItems",
     "unevaluatedProperties", "propertyNames", "contains", "allOf", "anyOf", "oneOf", "not",
     "if", "then", "else", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
     "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
     "minContains", "maxContains", "minProperties", "maxProperties", "contentEncoding",
     "contentMediaType", "contentSchema", "deprecated", "readOnly", "writeOnly", "nullable"}
)  # fmt: skip


class DataFormat(Enum):
    """The fine-tuning formats ftgate reads; one per file."""

    CHAT = "chat"
    PROMPT_COMPLETION = "prompt_completion"
    PREFERENCE = "preference"
    REINFORCEMENT = "reinforcement"


class Rule(Enum):
    """A format rule a line (or the file) can break; the value is its code."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    DUPLICATE_KEY = "duplicate_key"
    NON_FINITE_NUMBER = "non_finite_number"
    LONE_SURROGATE = "lone_surrogate"
    NOT_OBJECT = "not_object"
    TOO_DEEP = "nested_too_deeply"
    BLANK_LINE = "blank_line"
    TOO_MANY_VALUES = "too_many_values"
    LINE_TOO_LONG = "line_too_long"
    UNKNOWN_FORMAT = "unknown_format"
    FORMAT_MISMATCH = "format_mismatch"
    UNEXPECTED_FIELD = "unexpected_field"
    MISSING_MESSAGES = "missing_messages"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_ROLE = "unknown_role"
    MISSING_CONTENT = "missing_content"
    BAD_CONTENT = "bad_content"
    NO_ASSISTANT = "no_assistant_message"
    BAD_WEIGHT = "bad_weight"
    BAD_TOOL_CALL = "bad_tool_call"
    BAD_TOOLS = "bad_tools"
    BAD_PREFERENCE = "bad_preference_output"
    BAD_IMAGE = "bad_image"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    EMPTY_FILE = "empty_file"
    TOO_FEW_EXAMPLES = "too_few_examples"


@dataclass(frozen=True, slots=True)
class FormatError:
    """A broken rule: where (``line`` is None for the whole file) and why."""

    line: int | None
    rule: Rule
    detail: str

    @property
    def reason(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        return f"{where}: {self.detail} [{self.rule.value}]"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "rule": self.rule.value, "reason": self.reason}


class Note(Enum):
    """A data-quality note the platform warns about; it never changes the verdict."""

    NO_SYSTEM = "no_system_message"
    NO_USER = "no_user_message"
    OVER_TOKEN_LIMIT = "over_token_limit"
    REPEATED = "repeated_example"

    def describe(self, count: int) -> str:
        return {
            Note.NO_SYSTEM: f"{count} chat examples have no system message",
            Note.NO_USER: f"{count} chat examples have no user message",
            Note.OVER_TOKEN_LIMIT: (
                f"{count} examples hold more than about {EXAMPLE_TOKEN_LIMIT} tokens "
                f"(estimated at {CHARS_PER_TOKEN} characters a token) and may be truncated"
            ),
            Note.REPEATED: f"{count} examples repeat an earlier line exactly",
        }[self]


@dataclass(frozen=True, slots=True)
class DataWarning:
    """How many examples a note applies to and the first line it applies to."""

    note: Note
    count: int
    first_line: int

    @property
    def message(self) -> str:
        return f"{self.note.describe(self.count)} (first: line {self.first_line})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.note.value,
            "count": self.count,
            "first_line": self.first_line,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class TextItem:
    """One text to screen and where it came from, e.g. ``messages[2].content``."""

    line: int
    path: str
    text: str


@dataclass(frozen=True, slots=True)
class ImageItem:
    """One image part and where it is: ``data``, the decoded image of a data URL,
    or ``url``, where the platform would fetch it."""

    line: int
    path: str
    data: bytes | None = None
    url: str | None = None


@dataclass(slots=True)
class Example:
    """One valid training example: its texts and its images in file order."""

    line: int
    format: DataFormat
    texts: list[TextItem] = field(default_factory=list)
    pictures: list[ImageItem] = field(default_factory=list)
    roles: frozenset[str] = frozenset()  # of the prompt's messages: for the warnings

    @property
    def images(self) -> int:
        return len(self.pictures)


class _Broken(FtgateError):
    """Raised by the validators below; turned into a FormatError for the line (an
    ftgate error like every other, though none escapes this module)."""

    def __init__(self, rule: Rule, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class RawLine:
    """A line as split from the byte stream; ``data`` is None when it was too long."""

    number: int
    data: bytes | None
    size: int


class LineSplitter:
    """Splits a byte stream into lines without holding more than one line.

    A line longer than ``max_line_bytes`` is not buffered: its bytes are counted
    and dropped, and it comes out with ``data=None`` so it can be reported.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max = max_line_bytes
        self._pending = bytearray()
        self._pending_size = 0  # bytes of the current line, including dropped ones
        self._overflowed = False
        self._number = 0

    def feed(self, chunk: bytes) -> Iterator[RawLine]:
        """The lines ``chunk`` completes, cut one at a time as they are consumed, so
        a chunk is never held twice (as bytes and as its list of lines)."""
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            yield self._complete(chunk[start:end])
            start = end + 1
        self._append(chunk[start:])

    def finish(self) -> Iterator[RawLine]:
        bom_only = self._number == 0 and self._pending == _BOM
        if self._pending_size and not bom_only:
            yield self._complete(b"")

    def _append(self, piece: bytes) -> None:
        self._pending_size += len(piece)
        if self._overflowed:
            return
        if self._pending_size > self._max:
            self._overflowed = True
            self._pending = bytearray()
        else:
            self._pending += piece

    def _complete(self, tail: bytes) -> RawLine:
        if self._pending_size:  # the line began in an earlier chunk
            self._append(tail)
            size = self._pending_size
            data = None if self._overflowed else bytes(self._pending)
            self._pending = bytearray()
            self._pending_size = 0
            self._overflowed = False
        else:  # the whole line is in this chunk: no copy
            size = len(tail)
            data = tail if size <= self._max else None
        self._number += 1
        if data is not None:
            data = data.removesuffix(b"\r")
            if self._number == 1:
                data = data.removeprefix(_BOM)  # a UTF-8 byte-order mark is allowed
        return RawLine(self._number, data, size)


# --------------------------------------------------------------------------- reader


class TrainingFileReader:
    """Validates a training file fed in chunks and counts what it holds.

    Cut every chunk into lines with :meth:`lines_of`, then take :meth:`last_lines`;
    :meth:`parse` each line into its example (or None), or parse it elsewhere (a
    worker process) and count the outcome with :meth:`refuse` or :meth:`accept`,
    in line order; finally :meth:`conclude`. The counts, the SHA-256 of the bytes
    fed and the format errors (the first :data:`MAX_ERRORS_KEPT`, plus a total)
    are attributes, complete once :meth:`conclude` has run.
    """

    def __init__(self, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._splitter = LineSplitter(max_line_bytes)
        self._max_line_bytes = max_line_bytes
        self._sha256 = hashlib.sha256()
        self.bytes_read = 0
        self.lines = 0
        self.examples = 0
        self.images = 0
        self.format: DataFormat | None = None
        self.format_line: int | None = None
        self.errors: list[FormatError] = []
        self.error_count = 0
        self._notes: dict[Note, DataWarning] = {}
        self._seen_lines = DigestTable(MAX_LINES_TRACKED)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    @property
    def warnings(self) -> list[DataWarning]:
        """The platform's data-quality notes that apply, in a fixed order."""
        return [self._notes[note] for note in Note if note in self._notes]

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    def lines_of(self, chunk: bytes) -> Iterator[RawLine]:
        """The lines ``chunk`` completes; the chunk counts towards the size and hash."""
        self._sha256.update(chunk)
        self.bytes_read += len(chunk)
        return self._splitter.feed(chunk)

    def last_lines(self) -> Iterator[RawLine]:
        """The last line, if the file does not end with a newline."""
        return self._splitter.finish()

    def conclude(self) -> None:
        """The file-wide rules, once every line has been counted."""
        if self.lines == 0:
            self._error(FormatError(None, Rule.EMPTY_FILE, "the file holds no examples"))
        elif self.examples < MIN_EXAMPLES:
            self._error(
                FormatError(
                    None,
                    Rule.TOO_FEW_EXAMPLES,
                    f"the file holds {self.examples} valid examples; "
                    f"fine-tuning needs at least {MIN_EXAMPLES}",
                )
            )

    def parse(self, raw: RawLine) -> Example | None:
        """The example on ``raw``, counted, or None when the line is refused."""
        parsed = read_line(raw, self._max_line_bytes, self.format)
        if isinstance(parsed, FormatError):
            self.refuse(parsed)
            return None
        return parsed if self.accept(LineFacts.of(raw, parsed)) else None

    def refuse(self, error: FormatError) -> None:
        """Count a line that is not a valid example."""
        self.lines += 1
        self._error(error)

    def accept(self, facts: LineFacts) -> bool:
        """Count a valid line; False when its format is not the file's."""
        self.lines += 1
        if self.format is None:
            self.format, self.format_line = facts.format, facts.line
        elif facts.format is not self.format:
            self._error(
                FormatError(
                    facts.line,
                    Rule.FORMAT_MISMATCH,
                    f"this is a {facts.format.value} example but the file is "
                    f"{self.format.value} (set by line {self.format_line}); "
                    "a file holds one format",
                )
            )
            return False
        self.examples += 1
        self.images += facts.images
        self._observe(facts)
        return True

    def _error(self, error: FormatError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)

    def _observe(self, facts: LineFacts) -> None:
        """Count the notes that apply to a valid example."""
        notes = list(facts.notes)
        # Repeats among the first MAX_LINES_TRACKED distinct lines: memory stays bounded.
        if facts.digest in self._seen_lines:
            notes.append(Note.REPEATED)
        elif len(self._seen_lines) < MAX_LINES_TRACKED:
            self._seen_lines.add(facts.digest)
        for note in notes:
            known = self._notes.get(note)
            count = known.count + 1 if known else 1
            self._notes[note] = DataWarning(note, count, known.first_line if known else facts.line)


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the reader counts of a valid line, taken where the line was parsed
    (possibly a worker process) and small enough to send back: its notes apart
    from repeats, which need the whole file, and the digest that spots those."""

    line: int
    format: DataFormat
    images: int
    notes: tuple[Note, ...]
    digest: bytes

    @classmethod
    def of(cls, raw: RawLine, example: Example) -> LineFacts:
        notes = []
        if example.format is DataFormat.CHAT:
            notes += [Note.NO_SYSTEM] if "system" not in example.roles else []
            notes += [Note.NO_USER] if "user" not in example.roles else []
        characters = sum(len(item.text) for item in example.texts)
        if characters > EXAMPLE_TOKEN_LIMIT * CHARS_PER_TOKEN:
            notes.append(Note.OVER_TOKEN_LIMIT)
        digest = hashlib.blake2b(raw.data or b"", digest_size=16).digest()
        return cls(raw.number, example.format, example.images, tuple(notes), digest)


def read_line(
    raw: RawLine, max_line_bytes: int = MAX_LINE_BYTES, expected: DataFormat | None = None
) -> Example | FormatError:
    """The example on one line, or the format error that refuses it (see parse_line)."""
    try:
        return parse_line(raw, max_line_bytes, expected)
    except _Broken as broken:
        return FormatError(raw.number, broken.rule, broken.detail)


def line_too_long(size: int, max_line_bytes: int = MAX_LINE_BYTES) -> str:
    """Why a line over the limit was refused (the splitter never held it in memory)."""
    return f"the line is {size} bytes; a line may hold at most {max_line_bytes} bytes"


def iter_chunks(stream: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read a binary stream in fixed-size chunks."""
    while chunk := stream.read(size):
        yield chunk


# --------------------------------------------------------------------------- one line


def parse_line(
    raw: RawLine, max_line_bytes: int = MAX_LINE_BYTES, expected: DataFormat | None = None
) -> Example:
    """Validate one line and collect its texts; raises ``_Broken`` when invalid.

    ``expected`` is the file's format when known: it settles a line that could be
    either a chat example without an answer or a messages-only reinforcement one.
    """
    if raw.data is None:
        raise _Broken(Rule.LINE_TOO_LONG, line_too_long(raw.size, max_line_bytes))
    if not raw.data.strip():
        raise _Broken(Rule.BLANK_LINE, "blank line; every line must hold one JSON example")
    _check_size(raw.data)
    try:
        decoded = raw.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Broken(
            Rule.NOT_UTF8, f"not UTF-8: invalid byte at offset {exc.start} of the line"
        ) from None
    try:
        obj = _STRICT_JSON.decode(decoded)
        if _SURROGATE_ESCAPE.search(raw.data):
            _refuse_lone_surrogates(obj)
    except json.JSONDecodeError as exc:
        # exc.msg is the parser's description only; the document is never quoted. Some
        # descriptions end in "at" already ("Invalid control character at").
        where = exc.msg.removesuffix(" at")
        raise _Broken(Rule.NOT_JSON, f"not JSON: {where} at column {exc.colno}") from None
    except RecursionError:
        raise _Broken(Rule.TOO_DEEP, _TOO_DEEP) from None
    except ValueError:
        # Python refuses to convert an integer of more digits than sys.get_int_max_str_digits();
        # its message quotes no digits, but ours need not depend on that.
        raise _Broken(
            Rule.NOT_JSON,
            f"not JSON: a number has more than {sys.get_int_max_str_digits()} digits",
        ) from None
    if not isinstance(obj, dict):
        raise _Broken(Rule.NOT_OBJECT, f"a line must be a JSON object, not {_kind(obj)}")
    data_format = detect_format(obj, expected)
    example = Example(raw.number, data_format)
    try:
        _VALIDATORS[data_format](obj, example)
    except RecursionError:
        raise _Broken(Rule.TOO_DEEP, _TOO_DEEP) from None
    return example


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different, else a format error.

    With a key twice, Python keeps the last value and other parsers the first: a
    harmful ``content`` followed by a benign one would be screened as benign and
    trained on as harmful. The key is not quoted: it is the author's text.
    """
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Broken(Rule.DUPLICATE_KEY, "an object holds the same key twice")
    return obj


def _refuse_non_finite(literal: str) -> NoReturn:
    """Refuse ``NaN``, ``Infinity`` and ``-Infinity``, which Python's parser accepts.

    They are not JSON (RFC 8259): stricter readers, the platform's among them,
    reject the line or read something else, so the file means different things
    to different readers.
    """
    raise _Broken(
        Rule.NON_FINITE_NUMBER,
        "a number is NaN or Infinity, which JSON does not allow",
    )


# One decoder for every line: building one per call would cost a third of the parse.
_STRICT_JSON: Final = json.JSONDecoder(
    object_pairs_hook=_unique_keys, parse_constant=_refuse_non_finite
)


def _refuse_lone_surrogates(obj: Any) -> None:
    """Refuse a string holding half of a UTF-16 surrogate pair (``"\\ud800"``).

    No UTF-8 encoder can write it, so readers differ: some drop it, some replace
    it, some fail. Encoding the parsed value (in C) finds one in any string or key.
    """
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _Broken(
            Rule.LONE_SURROGATE,
            "a string holds a lone UTF-16 surrogate escape (half of a pair)",
        ) from None


def _check_size(data: bytes) -> None:
    """Refuse a line that would parse into too many objects, before parsing it.

    Counting bytes is enough for almost every line: a string needs two quotes,
    and a value past the first needs a comma or a bracket. Only a line whose
    counts exceed a limit has its strings matched (in C, one at a time, stopping
    past the limit), so that quotes and separators inside strings do not count.
    """
    quotes = data.count(b'"')
    structure = sum(data.count(mark) for mark in _STRUCTURE) + 1
    if quotes <= 2 * MAX_STRINGS_PER_LINE and structure <= MAX_VALUES_PER_LINE:
        return
    for strings, match in enumerate(_JSON_STRING.finditer(data), 1):
        if strings > MAX_STRINGS_PER_LINE:
            raise _Broken(
                Rule.TOO_MANY_VALUES,
                f"the line holds over {MAX_STRINGS_PER_LINE} strings; "
                f"a line may hold at most {MAX_STRINGS_PER_LINE}",
            )
        start, end = match.span()
        if end - start > 2:  # separators inside a string are text, not structure
            structure -= sum(data.count(mark, start, end) for mark in _STRUCTURE)
    if structure > MAX_VALUES_PER_LINE:
        raise _Broken(
            Rule.TOO_MANY_VALUES,
            f"the line holds about {structure} JSON values; "
            f"a line may hold at most {MAX_VALUES_PER_LINE}",
        )


def detect_format(obj: dict[str, Any], expected: DataFormat | None = None) -> DataFormat:
    """Which format a JSON object is meant to be, from the fields it has.

    Messages ending with a user turn are reinforcement when extra fields follow;
    with no extra fields and no assistant message at all they are a
    messages-only reinforcement example too (as the platform reads them),
    unless the file is already known to be chat.
    """
    if "messages" in obj:
        messages = obj["messages"]
        ends_with_user = (
            isinstance(messages, list)
            and messages
            and isinstance(messages[-1], dict)
            and messages[-1].get("role") == "user"
        )
        if ends_with_user and not obj.keys() <= _CHAT_FIELDS:
            return DataFormat.REINFORCEMENT
        answered = isinstance(messages, list) and any(
            isinstance(m, dict) and m.get("role") == "assistant" for m in messages
        )
        if ends_with_user and not answered and expected is not DataFormat.CHAT:
            return DataFormat.REINFORCEMENT
        return DataFormat.CHAT
    if obj.keys() & _DPO_FIELDS:
        return DataFormat.PREFERENCE
    if "prompt" in obj or "completion" in obj:
        return DataFormat.PROMPT_COMPLETION
    raise _Broken(
        Rule.UNKNOWN_FORMAT,
        "unknown format: expected messages (chat or reinforcement), prompt and completion, "
        "or input with preferred_output and non_preferred_output (preference)",
    )


def _kind(value: Any) -> str:
    """The JSON type name of a value, for error messages that must not quote it."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }[type(value)]


def _chat(obj: dict[str, Any], example: Example) -> None:
    _only_fields(
        obj,
        _CHAT_FIELDS,
        "chat examples may hold only messages, tools, functions, parallel_tool_calls",
    )
    roles = _messages(obj, "messages", example, weights=True)
    if "assistant" not in roles:
        raise _Broken(Rule.NO_ASSISTANT, "a chat example needs at least one assistant message")
    _tool_definitions(obj, "", example)
    example.roles = frozenset(roles)


def _reinforcement(obj: dict[str, Any], example: Example) -> None:
    roles = _messages(obj, "messages", example, weights=False)
    if "system" in roles:
        raise _Broken(
            Rule.ROLE_NOT_ALLOWED,
            "reinforcement examples may not hold a system message; use the developer role",
        )
    example.roles = frozenset(roles)
    _tool_definitions(obj, "", example)
    # The extra fields' names are the author's (e.g. reference_answer): screened,
    # and named by their position among the line's members, never by the name.
    for index, (key, value) in enumerate(obj.items()):
        if key not in _CHAT_FIELDS:
            _text(example, f"[{index}].key", key)
            _value(value, f"[{index}]", example)


def _preference(obj: dict[str, Any], example: Example) -> None:
    _only_fields(
        obj,
        _DPO_FIELDS,
        "preference examples hold input, preferred_output and non_preferred_output",
    )
    prompt = obj.get("input")
    if not isinstance(prompt, dict):
        raise _Broken(Rule.MISSING_MESSAGES, "a preference example needs an input object")
    _only_fields(
        prompt, _DPO_INPUT_FIELDS, "input may hold only messages, tools, parallel_tool_calls"
    )
    example.roles = frozenset(_messages(prompt, "input.messages", example, weights=False))
    _tool_definitions(prompt, "input.", example)
    for name in ("preferred_output", "non_preferred_output"):
        output = obj.get(name)
        if not isinstance(output, list) or not output:
            raise _Broken(Rule.BAD_PREFERENCE, f"{name} must be a non-empty array of messages")
        roles = _message_list(output, name, example, weights=False)
        if roles != {"assistant"}:
            raise _Broken(Rule.BAD_PREFERENCE, f"{name} may hold only assistant messages")


def _prompt_completion(obj: dict[str, Any], example: Example) -> None:
    _only_fields(
        obj, {"prompt", "completion"}, "prompt/completion examples hold only prompt and completion"
    )
    for name in ("prompt", "completion"):
        value = obj.get(name)
        if not isinstance(value, str):
            raise _Broken(
                Rule.MISSING_CONTENT,
                f"{name} must be a string, not {_kind(value)}"
                if name in obj
                else f"{name} is missing",
            )
        _text(example, name, value)


def _only_fields(obj: dict[str, Any], allowed: frozenset[str] | set[str], hint: str) -> None:
    """Reject a field ftgate does not know, so nothing accepted goes unscreened."""
    if not obj.keys() <= allowed:
        raise _Broken(Rule.UNEXPECTED_FIELD, f"unexpected field: {hint}")


def _messages(obj: dict[str, Any], path: str, example: Example, *, weights: bool) -> set[str]:
    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _Broken(
            Rule.MISSING_MESSAGES,
            f"{path} must be a non-empty array" + ("" if "messages" in obj else " and is missing"),
        )
    return _message_list(messages, path, example, weights=weights)


def _message_list(messages: list[Any], path: str, example: Example, *, weights: bool) -> set[str]:
    roles: set[str] = set()
    for index, message in enumerate(messages):
        where = f"{path}[{index}]"
        if not isinstance(message, dict):
            raise _Broken(Rule.BAD_MESSAGE, f"{where} must be an object, not {_kind(message)}")
        role = message.get("role")
        if role not in ROLES:
            raise _Broken(
                Rule.UNKNOWN_ROLE,
                f"{where}.role is {'missing' if role is None else 'not a known role'}; "
                f"expected one of {', '.join(sorted(ROLES))}",
            )
        roles.add(role)
        _message(message, role, where, example, weights=weights)
    return roles


def _message(
    message: dict[str, Any], role: str, where: str, example: Example, *, weights: bool
) -> None:
    content = message.get("content")
    if len(message) == 2 and type(content) is str:
        # Most messages: a known role (checked by the caller) and text content, which
        # every role may hold; none of the checks below can fail for them.
        _text(example, f"{where}.content", content)
        return
    if role != "assistant" and message.keys() & {"tool_calls", "function_call"}:
        raise _Broken(Rule.BAD_TOOL_CALL, f"{where}: only assistant messages make tool calls")
    if "weight" in message and not (weights and role == "assistant"):
        raise _Broken(
            Rule.BAD_WEIGHT,
            f"{where}.weight is allowed only on assistant messages of chat examples",
        )
    allowed = _MESSAGE_FIELDS[role]
    if not message.keys() <= allowed:  # the hint is built only when it is needed
        _only_fields(
            message, allowed, f"{where} ({role}) may hold only {', '.join(sorted(allowed))}"
        )
    calls = _tool_calls(message, role, where, example)
    if content is None:
        if not calls:
            raise _Broken(Rule.MISSING_CONTENT, f"{where}.content is missing")
    elif isinstance(content, str):
        _text(example, f"{where}.content", content)
    elif isinstance(content, list):
        _content_parts(content, f"{where}.content", example, images=role != "assistant")
    else:
        raise _Broken(
            Rule.BAD_CONTENT,
            f"{where}.content must be a string or an array of parts, not {_kind(content)}",
        )
    for name in ("name", "tool_call_id", "refusal"):
        _optional_text(message, name, where, example, Rule.BAD_MESSAGE)
    if "weight" in message:
        weight = message["weight"]
        if type(weight) is not int or weight not in (0, 1):
            raise _Broken(Rule.BAD_WEIGHT, f"{where}.weight must be 0 or 1")


def _optional_text(
    obj: dict[str, Any], name: str, where: str, example: Example, rule: Rule
) -> None:
    """Screen ``obj[name]`` if present (null is absent); a non-string breaks ``rule``."""
    value = obj.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise _Broken(rule, f"{where}.{name} must be a string, not {_kind(value)}")
    _text(example, f"{where}.{name}", value)


def _content_parts(parts: list[Any], path: str, example: Example, *, images: bool) -> None:
    for index, part in enumerate(parts):
        where = f"{path}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if (
            kind in ("text", "refusal")
            and part.keys() == {"type", kind}
            and isinstance(part[kind], str)
        ):
            _text(example, f"{where}.{kind}", part[kind])
        elif kind == "image_url" and part.keys() == {"type", "image_url"}:
            if not images:
                raise _Broken(Rule.BAD_IMAGE, f"{where}: assistant messages may not hold images")
            picture = _image(part["image_url"], f"{where}.image_url", example.line)
            example.pictures.append(picture)
            if picture.url is not None:  # a string like any other: screened as text too
                _text(example, f"{where}.image_url.url", picture.url)
            if example.images > MAX_IMAGES_PER_EXAMPLE:
                raise _Broken(
                    Rule.BAD_IMAGE,
                    f"an example may hold at most {MAX_IMAGES_PER_EXAMPLE} images",
                )
        else:
            raise _Broken(
                Rule.BAD_CONTENT,
                f"{where} must be a text part {{type: text, text}} or an image part "
                "{type: image_url, image_url: {url, detail}}",
            )


def _image(image: Any, where: str, line: int) -> ImageItem:
    """An image_url object as vision fine-tuning takes it: an https URL or a base64
    data URL of a JPEG, PNG or WEBP of at most MAX_IMAGE_BYTES, and a known detail.
    A data URL's image is decoded for screening."""
    if not (
        isinstance(image, dict)
        and image.keys() <= {"url", "detail"}
        and isinstance(image.get("url"), str)
        and image.get("detail", "auto") in _IMAGE_DETAILS
    ):
        raise _Broken(
            Rule.BAD_IMAGE, f"{where} must be {{url, detail}} with detail auto, low or high"
        )
    url: str = image["url"]
    if url.startswith(("https://", "http://")):
        return ImageItem(line, where, url=url)
    header, comma, payload = url.partition(",")
    media_type, _, encoding = header.removeprefix("data:").partition(";")
    if not (header.startswith("data:") and comma and encoding == "base64"):
        raise _Broken(Rule.BAD_IMAGE, f"{where}.url must be an http(s) URL or a base64 data URL")
    if media_type.lower() not in IMAGE_TYPES:
        raise _Broken(Rule.BAD_IMAGE, f"{where}.url: images must be JPEG, PNG or WEBP")
    # The decoded size: three bytes per four characters, less the padding's.
    if len(payload) // 4 * 3 - payload[-2:].count("=") > MAX_IMAGE_BYTES:
        raise _Broken(
            Rule.BAD_IMAGE, f"{where}.url: an image may be at most {MAX_IMAGE_BYTES} bytes"
        )
    try:
        return ImageItem(line, where, data=base64.b64decode(payload, validate=True))
    except binascii.Error:
        raise _Broken(Rule.BAD_IMAGE, f"{where}.url: the data URL is not valid base64") from None


def _tool_calls(message: dict[str, Any], role: str, where: str, example: Example) -> bool:
    """Collect the texts of an assistant's tool calls; True when it makes any."""
    found = False
    if "tool_calls" in message:
        calls = message["tool_calls"]
        if not isinstance(calls, list) or not calls:
            raise _Broken(Rule.BAD_TOOL_CALL, f"{where}.tool_calls must be a non-empty array")
        for index, call in enumerate(calls):
            call_where = f"{where}.tool_calls[{index}]"
            if not (
                isinstance(call, dict)
                and call.keys() <= {"id", "type", "function"}
                and call.get("type", "function") == "function"
            ):
                raise _Broken(
                    Rule.BAD_TOOL_CALL,
                    f"{call_where} must be an object with id, type function and function",
                )
            _optional_text(call, "id", call_where, example, Rule.BAD_TOOL_CALL)
            _function_call(call.get("function"), f"{call_where}.function", example)
        found = True
    if "function_call" in message:
        _function_call(message["function_call"], f"{where}.function_call", example)
        found = True
    return found


def _function_call(call: Any, where: str, example: Example) -> None:
    if not (
        isinstance(call, dict)
        and call.keys() == {"name", "arguments"}
        and isinstance(call["name"], str)
        and isinstance(call["arguments"], str)
    ):
        raise _Broken(
            Rule.BAD_TOOL_CALL, f"{where} must be an object with string name and arguments"
        )
    _text(example, f"{where}.name", call["name"])
    _text(example, f"{where}.arguments", call["arguments"])


def _tool_definitions(obj: dict[str, Any], prefix: str, example: Example) -> None:
    """Screen declared tools and legacy functions: names, descriptions, whole schemas."""
    if "parallel_tool_calls" in obj and not isinstance(obj["parallel_tool_calls"], bool):
        raise _Broken(Rule.BAD_TOOLS, f"{prefix}parallel_tool_calls must be true or false")
    for key in ("tools", "functions"):
        if key not in obj:
            continue
        definitions = obj[key]
        if not isinstance(definitions, list):
            raise _Broken(Rule.BAD_TOOLS, f"{prefix}{key} must be an array")
        for index, entry in enumerate(definitions):
            where = f"{prefix}{key}[{index}]"
            function = entry
            if key == "tools":
                if not (
                    isinstance(entry, dict)
                    and entry.keys() <= {"type", "function"}
                    and entry.get("type", "function") == "function"
                ):
                    raise _Broken(
                        Rule.BAD_TOOLS, f"{where} must be an object with type function and function"
                    )
                function = entry.get("function")
                where += ".function"
            _function_definition(function, where, example)


def _function_definition(function: Any, where: str, example: Example) -> None:
    if not (
        isinstance(function, dict)
        and function.keys() <= _FUNCTION_FIELDS
        and isinstance(function.get("name"), str)
    ):
        raise _Broken(
            Rule.BAD_TOOLS,
            f"{where} must be an object with a string name and only "
            f"{', '.join(sorted(_FUNCTION_FIELDS - {'name'}))}",
        )
    if "strict" in function and not isinstance(function["strict"], bool):
        raise _Broken(Rule.BAD_TOOLS, f"{where}.strict must be true or false")
    _text(example, f"{where}.name", function["name"])
    _optional_text(function, "description", where, example, Rule.BAD_TOOLS)
    if "parameters" in function:
        _schema(function["parameters"], f"{where}.parameters", example)


def _schema(node: Any, path: str, example: Example, depth: int = 0) -> None:
    """Every string in a JSON schema: values, and the keys its author chose.

    A JSON Schema keyword is a fixed word and names its path (``.description``);
    any other key (a property name, a custom keyword) is screened as text at
    ``.key`` of its position (``.properties[3].key``; its schema is
    ``.properties[3]``). Keywords whose value is data
    rather than schema (``enum``, ``default``, ``examples``, ``const``) are
    walked as data.
    """
    if not isinstance(node, dict):
        _value(node, path, example, depth)
        return
    _deeper(depth)
    for index, (key, value) in enumerate(node.items()):
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for position, (name, child) in enumerate(value.items()):
                where = f"{path}.{key}[{position}]"
                _text(example, f"{where}.key", name)
                _schema(child, where, example, depth + 2)
        elif key in _SCHEMA_KEYWORDS:
            walk = _value if key in _SCHEMA_DATA else _schema
            if isinstance(value, list):
                for position, item in enumerate(value):
                    walk(item, f"{path}.{key}[{position}]", example, depth + 2)
            else:
                walk(value, f"{path}.{key}", example, depth + 1)
        else:
            _text(example, f"{path}[{index}].key", key)
            _value(value, f"{path}[{index}]", example, depth + 1)


def _value(node: Any, path: str, example: Example, depth: int = 0) -> None:
    """Every string in JSON data: each string value, and each key (at ``[i].key``)."""
    if isinstance(node, str):
        _text(example, path, node)
    elif isinstance(node, dict):
        _deeper(depth)
        for index, (key, value) in enumerate(node.items()):
            _text(example, f"{path}[{index}].key", key)
            _value(value, f"{path}[{index}]", example, depth + 1)
    elif isinstance(node, list):
        _deeper(depth)
        for index, value in enumerate(node):
            _value(value, f"{path}[{index}]", example, depth + 1)


def _deeper(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Broken(Rule.TOO_DEEP, _TOO_DEEP)


def _text(example: Example, path: str, text: str) -> None:
    if text:
        example.texts.append(TextItem(example.line, path, text))


_VALIDATORS: Final = {
    DataFormat.CHAT: _chat,
    DataFormat.REINFORCEMENT: _reinforcement,
    DataFormat.PREFERENCE: _preference,
    DataFormat.PROMPT_COMPLETION: _prompt_completion,
}
