"""The human-readable reports the command line prints: one function per report.

The types reports render are imported for the type checker only: ``scan-data``
renders its report without loading what ``eval-model`` or ``enforce`` need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.policy import CATEGORIES, MAX_ANSWER_TOKENS
from shared.screening import DataVerdict, Outcome

if TYPE_CHECKING:
    from shared.deploymentguard import DeploymentDecision
    from shared.enforcement import EnforcementReport
    from shared.evalcost import EvaluationEstimate
    from shared.modeleval import ModelVerdict
    from shared.screeningcost import ScreeningEstimate


def render_report(verdict: DataVerdict, name: str) -> str:
    """The human-readable report of ``scan-data``."""
    lines = [
        f"ftgate scan-data {name}",
        f"  verdict   {verdict.verdict.value.upper()}",
        f"  message   {verdict.message}",
        f"  format    {verdict.format.value if verdict.format else 'unknown'}: "
        f"{verdict.examples} examples on {verdict.lines} lines, {verdict.texts} texts "
        f"({verdict.unique_texts} analyzed after de-duplication), {verdict.images} images "
        f"({verdict.images_unscreened} unscreened)",
        f"  sha256    {verdict.sha256}",
        f"  policy    {verdict.policy_version}, analyzer {verdict.analyzer}, "
        f"{verdict.duration_seconds:.2f} s",
    ]
    if verdict.failed_examples:
        counts = ", ".join(f"{c.value} {verdict.failed_examples[c]}" for c in CATEGORIES)
        lines.append(f"  failing examples by category: {counts}")
    if verdict.findings:
        lines.append(f"  findings ({len(verdict.findings)} of {verdict.findings_total} shown):")
        lines += [
            f"    line {f.line:<7} {f.path:<40} {f.category.value:<9} severity {f.severity}"
            for f in verdict.findings
        ]
    if verdict.errors:
        lines.append(f"  format errors ({len(verdict.errors)} of {verdict.errors_total} shown):")
        lines += [f"    {error.reason}" for error in verdict.errors]
    if verdict.warnings:
        lines.append("  warnings (the platform's data-quality notes; they do not decide):")
        lines += [f"    {warning.message}" for warning in verdict.warnings]
    return "\n".join(lines)


def render_scan_estimate(estimate: ScreeningEstimate, name: str) -> str:
    """The human-readable report of ``scan-data --estimate``."""
    verdict = estimate.verdict
    lines = [
        f"ftgate scan-data --estimate {name} (nothing was sent)",
        f"  requests  {estimate.requests} to Content Safety: {estimate.text_requests} for "
        f"{verdict.unique_texts} distinct of {verdict.texts} texts "
        f"({estimate.characters} characters), {estimate.image_requests} for images",
        f"  sha256    {verdict.sha256}",
    ]
    if estimate.price is not None:
        lines.append(f"  price     {estimate.price:.4f} at {estimate.price_per_1000:g} per 1,000")
    if verdict.verdict is Outcome.INVALID:
        lines.append(
            f"  invalid   a real run stops at the first format error: {verdict.errors[0].reason}"
        )
    lines.append("  retries (429, 5xx, timeouts) add requests; a verdict records those sent")
    return "\n".join(lines)


def render_model_report(verdict: ModelVerdict) -> str:
    """The human-readable report of ``eval-model``."""
    lines = [
        f"ftgate eval-model {verdict.model}",
        f"  verdict   {verdict.outcome.value.upper()}",
        f"  message   {verdict.message}",
        f"  cost      {verdict.conversations} conversations, {verdict.model_calls} model calls, "
        f"{verdict.prompt_tokens + verdict.completion_tokens} tokens, "
        f"{verdict.duration_seconds:.1f} s",
        f"  policy    {verdict.policy_version}, seed {verdict.seed}",
        "  category           own: trials defects   cross: trials defects   filtered "
        "untested errors  outcome",
    ]
    for category, report in verdict.per_category.items():
        row = report.as_dict()
        own, cross = row["own"], row["cross"]
        untested = row["untested_prompts"] + row["untested_outputs"]
        lines.append(
            f"  {category.display_name:<18} {own['trials']:>12} {own['defects']:>7} "
            f"{cross['trials']:>15} {cross['defects']:>7} {row['filtered_outputs']:>10} "
            f"{untested:>8} {row['errors']:>6}  {row['outcome']}"
        )
    attacks = verdict.as_dict()["attacks"]
    for kind in ("strategy", "converter"):
        lines.append(f"  {kind:<28} trials  harm drawn out")
        for name, counts in attacks[f"per_{kind}"].items():
            lines.append(f"    {name:<26} {counts['trials']:>6} {counts['defects']:>6}")
    return "\n".join(lines)


def render_eval_estimate(estimate: EvaluationEstimate, model: str) -> str:
    """The human-readable report of ``eval-model --estimate``."""
    lines = [
        f"ftgate eval-model --estimate {model} (nothing was called)",
        f"  answers of {estimate.answer_tokens} tokens (the cap, {MAX_ANSWER_TOKENS}, in the "
        "worst case); tokens are characters / 4",
        "  scenario            conversations  model calls  prompt tokens  completion tokens  price",
    ]
    for name, usage in estimate.scenarios.items():
        row = usage.as_dict()
        price = usage.price(estimate.prompt_price, estimate.completion_price)
        label = f"expected at {name}" if name != "cap" else "worst case (cap)"
        lines.append(
            f"  {label:<19} {row['conversations']:>13} {row['model_calls']:>12} "
            f"{row['prompt_tokens']:>14} {row['completion_tokens']:>18}  "
            f"{'-' if price is None else f'{price:.4f}'}"
        )
    lines.append("  retries and conversations that test nothing (at most a tenth) add to these")
    return "\n".join(lines)


def render_enforcement(report: EnforcementReport, judged: list[DeploymentDecision] | None) -> str:
    """The pass as text: files and their verdicts, what was done to which job, then
    what was done to which deployment (when the account was configured)."""
    dry = " (dry run)" if report.dry_run else ""
    lines = [f"enforcement{dry}, mode {report.mode}"]
    for result in report.files:
        how = "screened" if result.screened else "known"
        lines.append(f"  file {result.file_id}: {result.verdict} ({how}, {result.sha256[:12]})")
    lines += [f"  file {file_id}: could not be read" for file_id in report.unreadable]
    lines.append(f"{report.jobs_checked} running jobs checked, {len(report.decisions)} held")
    for d in report.decisions:
        lines.append(f"  job {d.job_id}: {d.action} — {d.role} file {d.file_id} {d.data_verdict}")
        lines.append(f"    {d.message}")
    if judged is None:
        lines.append("deployments not checked: the Azure OpenAI account is not configured")
        return "\n".join(lines)
    held = [d for d in judged if d.action != "left_alone"]
    lines.append(f"{len(judged)} deployments checked, {len(held)} held")
    for decision in held:
        lines.append(f"  deployment {decision.deployment} ({decision.model}): {decision.action}")
        lines.append(f"    {decision.reason}")
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A Markdown table cell: a pipe or a newline in a file name must not break the row."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_report(verdict: DataVerdict, name: str) -> str:
    """``scan-data --format markdown``: a short summary for a GitHub job summary or an
    Azure DevOps pipeline summary; like every report, lines, fields and categories only."""
    mark = "✅" if verdict.verdict is Outcome.PASSED else "❌"
    lines = [
        f"### {mark} ftgate scan-data: {verdict.verdict.value} — `{_cell(name)}`",
        "",
        verdict.message,
        "",
        "| | |",
        "|---|---|",
        f"| format | {verdict.format.value if verdict.format else 'unknown'}: "
        f"{verdict.examples} examples on {verdict.lines} lines |",
        f"| texts | {verdict.texts} ({verdict.unique_texts} analyzed after de-duplication) |",
        f"| images | {verdict.images} ({verdict.images_unscreened} unscreened) |",
        f"| sha256 | `{verdict.sha256}` |",
        f"| policy | {verdict.policy_version}, analyzer {verdict.analyzer} |",
    ]
    if verdict.findings:
        lines += [
            "",
            f"Findings ({len(verdict.findings)} of {verdict.findings_total} shown):",
            "",
            "| line | field | category | severity |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {f.line} | `{_cell(f.path)}` | {f.category.value} | {f.severity} |"
            for f in verdict.findings
        ]
    if verdict.errors:
        lines += ["", f"Format errors ({len(verdict.errors)} of {verdict.errors_total} shown):", ""]
        lines += [f"- {_cell(error.reason)}" for error in verdict.errors]
    return "\n".join(lines)


def markdown_model_report(verdict: ModelVerdict) -> str:
    """``eval-model --format markdown``: the verdict and each category's outcome."""
    mark = "✅" if verdict.outcome.value == "deployable" else "❌"
    lines = [
        f"### {mark} ftgate eval-model: {verdict.outcome.value} — `{_cell(verdict.model)}`",
        "",
        verdict.message,
        "",
        f"{verdict.conversations} conversations, {verdict.model_calls} model calls; "
        f"policy {verdict.policy_version}, seed {verdict.seed}",
        "",
        "| category | trials | defects | untested | errors | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for category, report in verdict.per_category.items():
        row = report.as_dict()
        trials = row["own"]["trials"] + row["cross"]["trials"]
        defects = row["own"]["defects"] + row["cross"]["defects"]
        untested = row["untested_prompts"] + row["untested_outputs"]
        lines.append(
            f"| {category.display_name} | {trials} | {defects} | {untested} | "
            f"{row['errors']} | {row['outcome']} |"
        )
    return "\n".join(lines)
