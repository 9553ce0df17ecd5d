"""The commands on the verdict table and queues: ``verdicts``, ``reevaluate``,
``replay-poison``, ``sweep-deployments`` and ``enforce``."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
from collections.abc import AsyncIterator
from typing import Any, Final

import openai

from shared import gateclient
from shared.analyzers import create_analyzer
from shared.deploymentguard import DeploymentDecision, guard_deployments
from shared.deployments import DeploymentSettings, account_deployments, configured_account
from shared.enforcement import ENFORCEMENT_PARTITION, OpenAIFiles, enforce
from shared.evaluations import EvaluationRequest
from shared.exitcodes import (
    EXIT_CODES,
    UsageError,
)
from shared.finetuning import OpenAIJobs
from shared.queues import JsonQueue
from shared.reevaluation import Requeued, enqueue_stale, replay_poisoned, rescreen_message
from shared.reports import (
    render_enforcement,
)
from shared.screening import Outcome
from shared.settings import (
    AppSettings,
)
from shared.simulation.targets import azure_openai_client
from shared.storedverdict import StoredVerdict, is_sha256
from shared.verdicts import TableVerdictStore

_DECISION_COLUMNS: Final = ("Mode", "Action", "At", "Message")


async def verdicts(args: argparse.Namespace) -> int:
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        rows: list[StoredVerdict | dict[str, Any]] = []
        if args.action == "list":
            for kind in [args.kind] if args.kind else ["data", "model"]:
                if kind == ENFORCEMENT_PARTITION:
                    rows += await store.list_named(kind, args.limit)
                else:
                    rows += await store.list_verdicts(kind, args.limit)
        else:
            if not args.key:
                raise UsageError("verdicts show needs a model name or a SHA-256")
            found: StoredVerdict | dict[str, Any] | None
            if args.kind == ENFORCEMENT_PARTITION:
                found = await store.get_named(ENFORCEMENT_PARTITION, args.key)
            elif is_sha256(args.key) and args.kind != "model":
                found = await store.get_data_verdict(args.key.lower())
            else:
                found = await store.get_model_verdict(args.key)
            if found is None:
                print(f"{args.key}: no verdict (pending)")
                return gateclient.EXIT_PENDING
            rows = [found]
    if args.json:
        entities = [r.to_entity() if isinstance(r, StoredVerdict) else r for r in rows]
        print(json.dumps(entities, indent=2, default=str))
    else:
        for row in rows:
            print("  ".join(_verdict_columns(row)))
    return 0


def _verdict_columns(row: StoredVerdict | dict[str, Any]) -> list[str]:
    """A row's key and what was decided. A row key may be a digest of a name; the
    name is what people look up."""
    if isinstance(row, StoredVerdict):
        decided = (row.verdict, row.policy_version, row.evaluated_at, row.message)
        return [row.fine_tuned_model or row.key, *("" if v is None else f"{v}" for v in decided)]
    key = row.get("Name") or row.get("RowKey", "")
    return [key, *(f"{row.get(column, '')}" for column in _DECISION_COLUMNS)]


async def reevaluate(args: argparse.Namespace) -> int:
    async with _store_and_queues() as (store, models, rescreens):
        if args.stale:
            queued = await enqueue_stale(store, models, rescreens, dry_run=args.dry_run)
        elif args.model:
            if not args.dry_run:
                await models.put(EvaluationRequest(args.model, force=True).as_message())
            queued = Requeued(models=1)
        else:
            if not args.dry_run:
                await rescreens.put(rescreen_message(args.blob, force=True))
            queued = Requeued(data=1)
    verb = "would queue" if args.dry_run else "queued"
    print(f"{verb} {queued.data} training files and {queued.models} models")
    return 0


async def replay_poison(args: argparse.Namespace) -> int:
    async with _store_and_queues() as (store, models, rescreens):
        replayed = await replay_poisoned(store, models, rescreens)
    print(f"replayed {replayed.data} training files and {replayed.models} models")
    return 0


async def sweep_deployments(args: argparse.Namespace) -> int:
    account = DeploymentSettings.from_environment()  # says which settings are missing
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        account_deployments(store, account) as deployments,
    ):
        report = await deployments.sweep(dry_run=args.dry_run)  # type: ignore[union-attr]
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {len(report.deleted)} temporary deployments; "
        f"{len(report.live)} held by a live evaluation, {len(report.young)} too new to judge"
    )
    for name in report.deleted:
        print(f"  {name}")
    return 0


async def enforce_once(args: argparse.Namespace) -> int:
    settings = AppSettings.from_environment()  # validates ENFORCEMENT too
    if args.azure_endpoint:
        client = azure_openai_client(args.azure_endpoint)
    else:
        key = os.environ.get("OPENAI_API_KEY") or "unused"
        client = openai.AsyncOpenAI(base_url=args.base_url, api_key=key)
    account = configured_account()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        client.with_options(max_retries=3) as retrying,
        account_deployments(store, account) as deployments,
    ):
        report = await enforce(
            OpenAIFiles(retrying),
            OpenAIJobs(retrying),
            store,
            lambda: create_analyzer(args.analyzer),
            mode=settings.enforcement,
            dry_run=args.dry_run,
        )
        judged = (
            None
            if deployments is None
            else await guard_deployments(
                deployments, store, mode=settings.enforcement, dry_run=args.dry_run
            )
        )
    if args.json:
        print(json.dumps({**report.as_dict(), "deployments": _as_dicts(judged)}))
    else:
        print(render_enforcement(report, judged))
    if report.decisions or any(d.action != "left_alone" for d in judged or ()):
        return 1
    return EXIT_CODES[Outcome.ERROR] if report.unreadable else 0


def _as_dicts(judged: list[DeploymentDecision] | None) -> list[dict[str, object]] | None:
    """Deployment decisions as JSON; None when the account was not configured (not
    checked, which is not the same as nothing found)."""
    return None if judged is None else [dataclasses.asdict(d) for d in judged]


@contextlib.asynccontextmanager
async def _store_and_queues() -> AsyncIterator[tuple[TableVerdictStore, JsonQueue, JsonQueue]]:
    """The verdict table, the evaluation queue and the re-screen queue, from settings."""
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        JsonQueue.open(settings.storage, settings.model_queue) as models,
        JsonQueue.open(settings.storage, settings.rescreen_queue) as rescreens,
    ):
        yield store, models, rescreens
