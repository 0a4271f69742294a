"""Settings, from environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from codec import BadKeys, parse_keys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///.data/app.db"
    sla_policy_file: Path = Path("policies/default.toml")
    #: Message templates, one directory per language (see templates/en).
    templates_dir: Path = Path("templates")

    #: Unset: ``make run`` starts an embedded dev server. Set: use that cluster.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "tickets"
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: SecretStr | None = None

    #: The embedded dev server (only when ``temporal_address`` is unset).
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    data_dir: Path = Path(".data")

    #: Where operators open the Temporal Web UI (links from the queue page).
    temporal_ui_url: str | None = None
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    #: How long a request waits for the worker: then POST /tickets answers 202, a change 503.
    worker_wait_seconds: float = Field(default=20, gt=0)
    #: Email: unset SMTP_HOST logs emails instead of sending them.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "support@example.com"
    message_id_domain: str = "sla.example.com"

    #: SMS and voice through a Twilio-compatible API; unset TWILIO_ACCOUNT_SID logs them.
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    #: Authenticates SMS/voice requests and verifies X-Twilio-Signature on the telephony
    #: webhook (without it the webhook answers 503).
    twilio_auth_token: SecretStr | None = None

    #: Chat webhook (Slack-compatible JSON, HMAC-SHA256 signed); unset logs chat messages.
    chat_webhook_url: str | None = None
    chat_webhook_secret: SecretStr | None = None
    #: Write the messages of channels left unconfigured to the log (outbox status
    #: "logged") instead of refusing to start the worker. The embedded `make run` stack
    #: does so by itself; anywhere else it must be asked for.
    log_delivery: bool = False
    #: The API's public URL: what the telephony provider calls (behind a proxy the API sees
    #: another one) and where links in messages (the feedback link) point.
    public_base_url: str | None = None
    #: A browser session signed in with a key ends after this long without use.
    web_session_idle_minutes: int = Field(default=480, ge=1)
    #: Failed sign-ins a client (by address) may make per minute; then 429 for a while.
    sign_in_attempts_per_minute: int = Field(default=10, ge=1)
    #: Feedback-page requests (opening a link, sending its form) per client address and
    #: minute: a person needs two or three, a link guesser is turned away.
    feedback_requests_per_minute: int = Field(default=30, ge=1)
    #: Worker tuning (see BENCHMARKS.md): tickets kept in the worker's cache (an evicted
    #: ticket is rebuilt from its history when its next timer fires), workflow tasks and
    #: activities run at once (with as many threads for the activities' database work).
    worker_max_cached_workflows: int = Field(default=1000, ge=0)
    #: Workflow tasks share one interpreter lock: 100 at once made each take over the
    #: server's 10 s task timeout under load, and the retries fed the overload (crash test).
    worker_max_concurrent_workflow_tasks: int = Field(default=20, ge=1)
    worker_max_concurrent_activities: int = Field(default=100, ge=1)
    #: How long a ticket's next task waits for the worker that has it cached before any
    #: worker may take it (rebuilding it from its history). A killed worker's tickets wait
    #: this long after it dies; Temporal's default is 10 s (see BENCHMARKS.md).
    worker_sticky_queue_timeout_seconds: float = Field(default=3.0, gt=0)
    #: Run the ticket workflows in Temporal's sandbox, which re-imports the workflow code
    #: for every ticket it starts or rebuilds and checks each call it makes. The tests and
    #: the replay tool always use it; without it a ticket's life cost the worker about a
    #: third less CPU in the benchmark (see BENCHMARKS.md).
    workflow_sandbox: bool = True
    #: The worker's Prometheus endpoint (SLA metrics and the Temporal SDK's worker metrics)
    #: at http://WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics; 0 turns it off.
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    #: Worker Versioning (see docs/operations.md): both set, the worker joins that Worker
    #: Deployment as that build; tickets follow the behaviour below.
    worker_deployment_name: str | None = Field(default=None, pattern=r"^[^.]+$")
    worker_build_id: str | None = None
    worker_versioning_behavior: Literal["auto_upgrade", "pinned"] = "auto_upgrade"
    demo_data: bool = True
    log_level: str = "INFO"
    #: ``json``: one JSON object per line (ticket id and run id on lines about a ticket);
    #: ``text``: plain lines for a terminal.
    log_format: Literal["json", "text"] = "json"

    # ---- security: recipients ----

    # ---- security: inbound mail ----
    #: Mailgun's HTTP webhook signing key: verifies ``POST /inbound/email/mailgun`` (unset:
    #: that route answers 503).
    mailgun_webhook_signing_key: SecretStr | None = None
    #: How old a Mailgun signature's timestamp may be (either way), and how long its token
    #: is remembered so the same post is not accepted twice.
    mailgun_signature_max_age_seconds: int = Field(default=300, ge=10, le=86_400)
    #: The HTTP Basic credentials in Postmark's inbound webhook URL: verify
    #: ``POST /inbound/email/postmark`` (both unset: that route answers 503).
    postmark_inbound_username: str | None = None
    postmark_inbound_password: SecretStr | None = None
    #: The most one posted mail may store in the quarantine (characters of its raw body).
    inbound_quarantine_max_bytes: int = Field(default=262_144, ge=1024, le=1_000_000)
    #: Unverified quarantined mails (failed signatures: anyone can post them) kept at most;
    #: beyond it the oldest give way, with a warning in the log.
    inbound_quarantine_max_unverified: int = Field(default=1000, ge=1)

    # ---- security: phone line ----
    #: A number no customer has opens at most one ticket per this many minutes: caller ID
    #: is easy to spoof, and each such ticket pages on-call until someone acknowledges.
    #: Later calls from the number within the window are recorded on that ticket.
    emergency_unknown_caller_window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)

    # ---- security: payload codec ----
    #: Keys that encrypt ticket data (inputs, state, results) before it reaches Temporal:
    #: comma-separated ``id:base64key`` entries of 32-byte keys, newest first. The newest
    #: encrypts; the others still decrypt the histories they wrote (``python -m codec ID``
    #: prints a new entry).
    payload_encryption_keys: SecretStr | None = None
    #: The same entries read from a file instead (commas or lines); ``make run`` writes one
    #: into DATA_DIR for the embedded stack.
    payload_encryption_keys_file: Path | None = None
    #: ``on``: no process connects to Temporal without keys. ``off``: payloads go in clear,
    #: readable by anyone with Web UI access to the namespace (a cluster that is yours alone).
    payload_encryption: Literal["on", "off"] = "on"
    #: Origins (comma-separated) of the Temporal Web UIs that may call /codec/decode with a
    #: staff session; unset, the embedded UI (http://localhost:TEMPORAL_UI_PORT).
    codec_cors_origins: str | None = None

    # ---- security: feedback links ----
    #: Signs the feedback links sent at closure (HMAC-SHA256 of ticket and closure); known to
    #: the worker and the API only, never to a workflow's history. Required for feedback links
    #: (without it a closure's message has no link and the page opens none); ``make run``
    #: generates one into DATA_DIR/feedback-link-secret.
    feedback_link_secret: SecretStr | None = None
    #: Secrets rotated out (a JSON list, newest first): links they signed still open.
    feedback_link_old_secrets: list[SecretStr] = Field(default_factory=list, max_length=10)

    # ---- security: console ----
    #: A browser session ends this long after sign-in however busy it is (the queue page's
    #: refresh keeps it from going idle, not alive for ever); then the person signs in again.
    web_session_max_hours: float = Field(default=12, gt=0, le=24 * 30)
    #: Proxies whose X-Forwarded-For names the real client (comma-separated addresses or
    #: networks, uvicorn's ``forwarded_allow_ips``); unset trusts none, so the sign-in and
    #: feedback limits count the connecting address.
    forwarded_allow_ips: str | None = None

    # ---- security: output ----

    @model_validator(mode="after")
    def _deployment_needs_build(self) -> Settings:
        if (self.worker_deployment_name is None) != (self.worker_build_id is None):
            raise ValueError("WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID go together: set both "
                             "(Worker Versioning) or neither")
        return self

    @model_validator(mode="after")
    def _keys_readable(self) -> Settings:
        if self.payload_encryption_keys and self.payload_encryption_keys_file:
            raise ValueError("PAYLOAD_ENCRYPTION_KEYS and PAYLOAD_ENCRYPTION_KEYS_FILE: set one")
        if self.payload_encryption_keys:
            try:
                parse_keys(self.payload_encryption_keys.get_secret_value())
            except BadKeys as bad:
                raise ValueError(f"PAYLOAD_ENCRYPTION_KEYS: {bad}") from None
        return self

    def payload_keys_text(self) -> str | None:
        """The configured key entries, from the setting or its file (read when asked)."""
        if self.payload_encryption_keys:
            return self.payload_encryption_keys.get_secret_value()
        if self.payload_encryption_keys_file:
            return self.payload_encryption_keys_file.read_text().replace("\n", ",")
        return None

    @property
    def effective_codec_cors_origins(self) -> list[str]:
        if self.codec_cors_origins:
            return [origin.strip().rstrip("/") for origin in self.codec_cors_origins.split(",")
                    if origin.strip()]
        return [f"http://localhost:{self.temporal_ui_port}"]

    @property
    def feedback_link_secrets(self) -> list[str]:
        """Every secret a feedback link may be signed with, newest (the signing one) first."""
        if self.feedback_link_secret is None:
            return []
        return [secret.get_secret_value()
                for secret in (self.feedback_link_secret, *self.feedback_link_old_secrets)]

    @property
    def effective_temporal_ui_url(self) -> str:
        return (self.temporal_ui_url or f"http://localhost:{self.temporal_ui_port}").rstrip("/")

    @property
    def effective_public_base_url(self) -> str:
        """Links in messages (the feedback link) start here; set PUBLIC_BASE_URL in production."""
        return (self.public_base_url or f"http://localhost:{self.api_port}").rstrip("/")

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"localhost:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_or_exit() -> Settings:
    """For entry points: invalid settings stop the process with pydantic's list of reasons."""
    try:
        return get_settings()
    except ValidationError as invalid:
        raise SystemExit(f"invalid settings: {invalid}") from None
