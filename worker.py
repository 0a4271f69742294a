"""The worker: runs ticket workflows and their activities.

``python worker.py`` connects to ``TEMPORAL_ADDRESS`` (or the embedded dev
server) and serves the ``TEMPORAL_TASK_QUEUE`` queue until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig

import logs
from activities.covering import CoveringActivities
from activities.metrics import SlaMetrics, metrics_runtime
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.rollout import RolloutActivities
from activities.slots import SlotActivities
from channels import NotificationChannel
from channels.email import EmailChannel, EmailSettings
from channels.http_providers import (
    ChatSettings,
    ChatWebhookChannel,
    SmsChannel,
    TwilioSettings,
    VoiceChannel,
)
from channels.router import ChannelRouter
from channels.templates import MessageTemplates
from config import Settings, settings_or_exit
from store.db import SessionFactory, make_engine, session_factory
from store.migrations import DatabaseBehind, require_current
from workflow_client import connect, require_search_attributes
from workflows.covering import CoveringWorkflow
from workflows.rollout import PagedRolloutWorkflow, RolloutWorkflow
from workflows.sandbox import workflow_runner
from workflows.ticket import TicketWorkflow


def build_channels(settings: Settings, http: httpx.AsyncClient) -> ChannelRouter:
    """The configured channels; any channel left unconfigured logs its messages instead."""
    channels: dict[str, NotificationChannel] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(EmailSettings(
            host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_tls, username=settings.smtp_username,
            password=settings.smtp_password, sender=settings.mail_from,
            message_id_domain=settings.message_id_domain,
        ))
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number:
        twilio = TwilioSettings(account_sid=settings.twilio_account_sid,
                                auth_token=settings.twilio_auth_token,
                                from_number=settings.twilio_from_number,
                                base_url=settings.twilio_api_base_url)
        channels["sms"] = SmsChannel(twilio, http)
        channels["voice"] = VoiceChannel(twilio, http)
    if settings.chat_webhook_url and settings.chat_webhook_secret:
        channels["chat"] = ChatWebhookChannel(
            ChatSettings(webhook_url=settings.chat_webhook_url,
                         secret=settings.chat_webhook_secret), http)
    return ChannelRouter(channels)


def unconfigured_channels(settings: Settings) -> dict[str, list[str]]:
    """Each channel that is not (wholly) configured, with the settings it lacks."""
    missing: dict[str, list[str]] = {}
    if not settings.smtp_host:
        missing["email"] = ["SMTP_HOST"]
    twilio = [name for name, value in (("TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
                                       ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
                                       ("TWILIO_FROM_NUMBER", settings.twilio_from_number))
              if not value]
    if twilio:
        missing["sms and voice"] = twilio
    chat = [name for name, value in (("CHAT_WEBHOOK_URL", settings.chat_webhook_url),
                                     ("CHAT_WEBHOOK_SECRET", settings.chat_webhook_secret))
            if not value]
    if chat:
        missing["chat"] = chat
    return missing


def check_delivery(settings: Settings, embedded: bool) -> None:
    """Warn of every channel whose messages only reach the log; outside the embedded stack,
    refuse to start so unless LOG_DELIVERY asks for it (a worker that silently logs
    escalations in production loses them)."""
    missing = unconfigured_channels(settings)
    log = logging.getLogger(__name__)
    for channel, names in missing.items():
        log.warning("%s messages are only written to the log (outbox status 'logged'): "
                    "%s not set", channel, ", ".join(names))
    if missing and not (embedded or settings.log_delivery):
        lacking = "; ".join(f"{channel}: {', '.join(names)}" for channel, names in missing.items())
        raise RuntimeError(
            f"refusing to start: messages would only be logged, never delivered ({lacking}). "
            "Configure those channels, or set LOG_DELIVERY=true to log them on purpose.")


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """Worker Versioning, where the settings name a deployment and a build."""
    if settings.worker_deployment_name is None or settings.worker_build_id is None:
        return None
    behavior = (VersioningBehavior.PINNED if settings.worker_versioning_behavior == "pinned"
                else VersioningBehavior.AUTO_UPGRADE)
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(settings.worker_deployment_name, settings.worker_build_id),
        use_worker_versioning=True, default_versioning_behavior=behavior)


def build_worker(
    client: Client,
    task_queue: str,
    sessions: SessionFactory,
    channel: NotificationChannel,
    executor: ThreadPoolExecutor,
    templates: MessageTemplates | None = None,
    settings: Settings | None = None,
    metrics: SlaMetrics | None = None,
) -> Worker:
    projection = ProjectionActivities(sessions, metrics)
    notifications = NotificationActivities(sessions, channel, templates, metrics)
    slots = SlotActivities(sessions)
    rollouts = RolloutActivities(client, sessions)
    covering = CoveringActivities(client, sessions)
    tuning = settings or Settings()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow, RolloutWorkflow, PagedRolloutWorkflow, CoveringWorkflow],
        activities=[projection.record_ticket, notifications.send_notification,
                    notifications.send_notifications, slots.take_slot,
                    rollouts.plan_rollout_page, rollouts.retarget_ticket,
                    covering.cover_request],
        activity_executor=executor,
        workflow_runner=workflow_runner(tuning.workflow_sandbox),
        max_cached_workflows=tuning.worker_max_cached_workflows,
        max_concurrent_workflow_tasks=tuning.worker_max_concurrent_workflow_tasks,
        max_concurrent_activities=tuning.worker_max_concurrent_activities,
        sticky_queue_schedule_to_start_timeout=timedelta(
            seconds=tuning.worker_sticky_queue_timeout_seconds),
        # record_ticket runs as a local activity, on the same threads.
        max_concurrent_local_activities=tuning.worker_max_concurrent_activities,
        deployment_config=deployment_config(tuning),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None,
                     embedded: bool = False) -> None:
    """Serve the task queue until ``stop``; ``embedded``: inside the `make run` stack."""
    engine = make_engine(settings.database_url)
    require_current(engine)
    runtime = None
    if settings.worker_metrics_port:
        runtime = metrics_runtime(settings.worker_metrics_host, settings.worker_metrics_port)
    client = await connect(settings, runtime)
    await require_search_attributes(client, settings.temporal_namespace)
    check_delivery(settings, embedded)
    metrics = SlaMetrics(runtime.metric_meter) if runtime else None
    # As many threads as activity slots (threads start only when needed).
    with ThreadPoolExecutor(max_workers=settings.worker_max_concurrent_activities) as executor:
        async with httpx.AsyncClient() as http:
            secrets = settings.feedback_link_secrets
            if not secrets:
                logging.getLogger(__name__).warning(
                    "FEEDBACK_LINK_SECRET is not set: closure messages go without a "
                    "feedback link")
            templates = MessageTemplates(settings.templates_dir,
                                         settings.effective_public_base_url,
                                         secrets[0] if secrets else None)
            worker = build_worker(client, settings.temporal_task_queue, session_factory(engine),
                                  build_channels(settings, http), executor, templates,
                                  settings, metrics)
            async with worker:
                logging.getLogger(__name__).info(
                    "worker serving task queue %r on %s", settings.temporal_task_queue,
                    settings.effective_temporal_address)
                if settings.worker_deployment_name:
                    logging.getLogger(__name__).info(
                        "worker deployment %s, build %s (%s)", settings.worker_deployment_name,
                        settings.worker_build_id, settings.worker_versioning_behavior)
                if runtime:
                    logging.getLogger(__name__).info(
                        "worker metrics: http://%s:%d/metrics", settings.worker_metrics_host,
                        settings.worker_metrics_port)
                await (stop or asyncio.Event()).wait()
    engine.dispose()


def main() -> None:
    settings = settings_or_exit()
    logs.configure(settings.log_level, settings.log_format)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_worker(settings))
    except (DatabaseBehind, RuntimeError) as refused:
        raise SystemExit(str(refused)) from None


if __name__ == "__main__":
    main()
