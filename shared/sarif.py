"""``scan-data --format sarif``: data verdicts as one SARIF 2.1.0 log.

GitHub code scanning (``github/codeql-action/upload-sarif``) and Azure DevOps (the
SARIF SAST Scans Tab) read SARIF, so findings and format errors show on the pull
request that changed the training file, at its line. A result names a rule, a file
and a line; its message is built from what ftgate itself names (field paths,
categories, severities, format rules), never from the file's text, so a log is as
safe to upload as the JSON report.

Rule ids are stable (``harm/<Category>``, ``format/<rule>``): code scanning tracks
an alert across runs by its rule and location. Every rule is listed in every log,
in the same order, whatever the files held.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from shared.policy import CATEGORIES, DATA_SEVERITY_THRESHOLD, POLICY_VERSION, Category
from shared.screening import DataVerdict, Finding, Outcome
from shared.trainingdata import FormatError, Rule

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_BASE_ID: Final = "SRCROOT"  # the base relative artifact URIs resolve against
STANDARD_INPUT: Final = "-"

# What each format rule asks of a training file, as a rule's short description.
FORMAT_RULES: Final = {
    Rule.NOT_UTF8: "Each line is UTF-8.",
    Rule.NOT_JSON: "Each line is one JSON value.",
    Rule.DUPLICATE_KEY: "No JSON object holds a key twice.",
    Rule.NON_FINITE_NUMBER: "No NaN, Infinity or -Infinity (not JSON).",
    Rule.LONE_SURROGATE: "No \\ud800-style escape without its other half.",
    Rule.NOT_OBJECT: "Each line is a JSON object.",
    Rule.TOO_DEEP: "Tool schemas and extra fields nest at most 64 levels.",
    Rule.BLANK_LINE: "No blank lines.",
    Rule.TOO_MANY_VALUES: "A line holds at most 100,000 strings and about 1,000,000 values.",
    Rule.LINE_TOO_LONG: "A line is at most 16 MiB.",
    Rule.UNKNOWN_FORMAT: "The first example is chat, prompt-completion, preference or "
    "reinforcement.",
    Rule.FORMAT_MISMATCH: "Every example has the first example's format.",
    Rule.UNEXPECTED_FIELD: "An example holds only the fields its format defines.",
    Rule.MISSING_MESSAGES: "An example has the messages (or input) its format needs.",
    Rule.BAD_MESSAGE: "Each message is an object whose fields are well formed.",
    Rule.UNKNOWN_ROLE: "Each message's role is one the format knows.",
    Rule.MISSING_CONTENT: "Each message and field that needs content has it.",
    Rule.BAD_CONTENT: "Content is a string or an array of text and image parts.",
    Rule.NO_ASSISTANT: "Each example has an assistant message.",
    Rule.BAD_WEIGHT: "Only assistant messages of chat examples have a weight, 0 or 1.",
    Rule.BAD_TOOL_CALL: "Tool calls are well formed and made by assistant messages.",
    Rule.BAD_TOOLS: "The tool definitions are well formed.",
    Rule.BAD_PREFERENCE: "A preference example has a preferred and a non-preferred output.",
    Rule.BAD_IMAGE: "Images are well formed, in user messages, JPEG, PNG or WEBP, not too "
    "many or too large.",
    Rule.ROLE_NOT_ALLOWED: "A reinforcement example holds no system message.",
    Rule.EMPTY_FILE: "The file holds examples.",
    Rule.TOO_FEW_EXAMPLES: "The file holds at least 10 valid examples.",
}


def harm_rule_id(category: Category) -> str:
    return f"harm/{category.value}"


def format_rule_id(rule: Rule) -> str:
    return f"format/{rule.value}"


def _rules() -> list[dict[str, Any]]:
    """Every rule ftgate can report, harm categories first, then format rules."""
    harm = [
        {
            "id": harm_rule_id(category),
            "name": f"Harm{category.value}",
            "shortDescription": {
                "text": f"No training text reaches severity {DATA_SEVERITY_THRESHOLD} in "
                f"{category.display_name}."
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", "responsible-ai"]},
        }
        for category in CATEGORIES
    ]
    formats = [
        {
            "id": format_rule_id(rule),
            "name": "".join(word.title() for word in rule.value.split("_")),
            "shortDescription": {"text": description},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["training-data-format"]},
        }
        for rule, description in FORMAT_RULES.items()
    ]
    return harm + formats


RULES: Final = _rules()
_RULE_INDEX: Final = {rule["id"]: index for index, rule in enumerate(RULES)}


@dataclass
class SarifLog:
    """The verdicts of one ``scan-data`` run, collected file by file, as one SARIF run.

    ``root`` is the directory relative URIs are given from (the working directory: a
    pipeline runs ftgate from its checkout, which is where code scanning resolves
    them); a file outside it gets an absolute ``file:`` URI.
    """

    root: Path
    _artifacts: list[dict[str, Any]] = field(default_factory=list)
    _results: list[dict[str, Any]] = field(default_factory=list)
    _notifications: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, verdict: DataVerdict) -> None:
        """One screened file: an artifact, a result per finding and per format error."""
        index = len(self._artifacts)
        artifact: dict[str, Any] = {
            "hashes": {"sha-256": verdict.sha256},
            "length": verdict.bytes,
            "properties": {
                "verdict": verdict.verdict.value,
                "findingsTotal": verdict.findings_total,
                "errorsTotal": verdict.errors_total,
            },
        }
        location = self._location(name)
        if location is None:
            artifact["description"] = {"text": "standard input"}
        else:
            artifact["location"] = location
            location = {**location, "index": index}  # results point at their artifact
        self._artifacts.append(artifact)
        self._results += [_finding_result(f, location) for f in verdict.findings]
        self._results += [_error_result(e, location) for e in verdict.errors]
        if verdict.verdict in (Outcome.ERROR, Outcome.INCOMPLETE):  # not screened in full
            level = "error" if verdict.verdict is Outcome.ERROR else "warning"
            self._notify(level, f"{name}: {verdict.verdict.value}: {verdict.message}")

    def unreadable(self, reason: str) -> None:
        """A file that could not be read: the run did not screen everything it was given."""
        self._notify("error", reason)

    def as_dict(self) -> dict[str, Any]:
        screened_all = not any(n["level"] == "error" for n in self._notifications)
        invocation: dict[str, Any] = {"executionSuccessful": screened_all}
        if self._notifications:
            invocation["toolExecutionNotifications"] = self._notifications
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "ftgate",
                            "version": version("ftgate"),
                            "properties": {"policyVersion": POLICY_VERSION},
                            "rules": RULES,
                        }
                    },
                    "originalUriBaseIds": {ROOT_BASE_ID: {"uri": self.root.as_uri() + "/"}},
                    "invocations": [invocation],
                    "artifacts": self._artifacts,
                    "results": self._results,
                }
            ],
        }

    def _notify(self, level: str, text: str) -> None:
        self._notifications.append({"level": level, "message": {"text": text}})

    def _location(self, name: str) -> dict[str, Any] | None:
        """The file's artifact location: relative to ``root`` where it can be."""
        if name == STANDARD_INPUT:
            return None
        path = Path(os.path.abspath(name))  # ".." folded, as a reader would
        if path.is_relative_to(self.root):
            relative = path.relative_to(self.root).as_posix()
            return {"uri": quote(relative), "uriBaseId": ROOT_BASE_ID}
        return {"uri": path.as_uri()}


def _result(
    rule_id: str, text: str, artifact: dict[str, Any] | None, line: int | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": _RULE_INDEX[rule_id],
        "level": "error",
        "message": {"text": text},
    }
    if artifact is not None:
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if line is not None:  # a whole-file error (too few examples) has no line
            physical["region"] = {"startLine": line}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def _finding_result(finding: Finding, artifact: dict[str, Any] | None) -> dict[str, Any]:
    text = (
        f"line {finding.line}: {finding.path} scores {finding.category.display_name} "
        f"severity {finding.severity} (the policy fails {DATA_SEVERITY_THRESHOLD} or more)"
    )
    result = _result(harm_rule_id(finding.category), text, artifact, finding.line)
    result["properties"] = {"path": finding.path, "severity": finding.severity}
    return result


def _error_result(error: FormatError, artifact: dict[str, Any] | None) -> dict[str, Any]:
    return _result(format_rule_id(error.rule), error.reason, artifact, error.line)
