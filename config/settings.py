"""The one settings object, read from the environment (prefix DIGITIZE_) at the edges.

Library code (`digitize/`) never reads it: the command line, the workers and the API
build one, then pass plain option objects inwards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from digitize.understand import Knowledge


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGITIZE_", extra="ignore")

    langs: str = Field("vie", description="Tesseract language models, '+'-joined")
    tesseract_psm: int = Field(6, ge=3, le=13, description="Tesseract page segmentation mode")
    jobs: int = Field(0, ge=0, description="pages processed at once; 0 = CPU cores + 1")
    tesseract_timeout: float = Field(180.0, gt=0, description="seconds allowed per page of OCR")
    program_timeout: float = Field(120.0, gt=0, description="seconds for any other program call")
    max_page_megapixels: float = Field(
        250.0, gt=0, description="a larger page fails (that page only; issue 14)"
    )
    max_pages: int = Field(5000, gt=0, description="longer files are refused")
    jpeg_quality: int = Field(80, ge=30, le=95, description="JPEG quality of colour/grey pages")
    pdfa: bool = Field(True, description="write PDF/A-2b (else a plain PDF)")
    operator: str | None = Field(None, description="who digitises, recorded in PDF metadata")
    data_dir: Path = Field(Path("data"), description="corrections and retrained models")
    catalogue_dir: Path | None = Field(None, description="procedure catalogue (default: packaged)")
    classifier_model: Path | None = Field(
        None, description="classifier model (default: DATA_DIR/classifier.npz, else packaged)"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL (default: SQLite file DATA_DIR/digitize.db)"
    )
    unknown_below: float = Field(0.5, ge=0, le=1, description="document type 'unknown' below")
    review_below: float = Field(0.6, ge=0, le=1, description="fields to review below")

    # The service: queue, workers, storage, API (README, "The service").
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis of the work queue")
    queue_name: str = Field("digitize", description="RQ queue the workers take work from")
    storage_dir: Path | None = Field(None, description="file store (default: DATA_DIR/store)")
    api_host: str = Field("127.0.0.1", description="address `digitize serve` listens on")
    api_port: int = Field(8000, ge=1, le=65535, description="port `digitize serve` listens on")
    max_upload_mb: float = Field(1024.0, gt=0, description="largest file accepted by upload")
    max_upload_files: int = Field(500, gt=0, description="most files in one upload")
    pages_per_job: int = Field(4, ge=1, le=100, description="pages a worker takes at once")
    job_timeout: float = Field(1800.0, gt=0, description="seconds a queued job may run")
    job_retries: int = Field(
        3, ge=0, description="retries of a job that failed or whose worker died"
    )
    retry_backoff: str = Field("10,60,300", description="seconds before each retry, ','-joined")
    worker_grace: int = Field(
        60, ge=1, description="seconds without a heartbeat before a worker's job is taken over"
    )
    worker_maintenance: int = Field(
        30, ge=1, description="seconds between a worker's checks for abandoned jobs"
    )
    secret_key: SecretStr | None = Field(
        None, description="signs citizen tokens (default: made once in DATA_DIR/secret.key)"
    )
    citizen_token_minutes: int = Field(
        15, ge=1, le=24 * 60, description="how long a citizen token is valid"
    )
    webhook_timeout: float = Field(10.0, gt=0, description="seconds a webhook receiver has")
    webhook_retries: int = Field(6, ge=0, description="retries of a failed webhook delivery")
    webhook_backoff: str = Field(
        "10,60,300,900,3600,21600", description="seconds before each webhook retry"
    )

    # Digitised copies with legal value (issue 19): who converts, and the unit's seal.
    unit_name: str | None = Field(
        None, description="the converting unit named in the mark (default: the certificate's)"
    )
    signing_p12: Path | None = Field(
        None, description="the unit's PKCS#12 certificate file: set it to sign every PDF"
    )
    signing_password: SecretStr | None = Field(None, description="password of SIGNING_P12")
    signing_trust: Path | None = Field(
        None, description="PEM file of CA roots that `verify` trusts (default: the P12's chain)"
    )

    # Issue 17: shared object storage, so workers and the API can run on many machines
    # (README, "Many machines"). Without STORAGE_URL the store is the folder STORAGE_DIR.
    storage_url: str | None = Field(
        None, description="s3://bucket/prefix: S3-compatible object storage as the file store"
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint, e.g. http://seaweedfs:8333 (default: AWS)"
    )
    s3_region: str = Field("us-east-1", description="S3 region (any name for SeaweedFS, MinIO)")
    s3_access_key_id: str | None = Field(
        None, description="S3 access key (default: boto3's chain, e.g. AWS_ACCESS_KEY_ID)"
    )
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret key")
    s3_ca_bundle: Path | None = Field(
        None, description="CA certificates to trust for the S3 endpoint (default: the system's)"
    )
    s3_part_mb: int = Field(16, ge=5, le=1024, description="multipart upload part size, MiB")

    # issue 15: the staff web application and the watched folder (README, "Staff web pages")
    web_session_hours: float = Field(
        10.0, gt=0, le=24 * 30, description="hours a staff sign-in lasts"
    )
    web_secure_cookies: bool = Field(
        True, description="session cookies only over HTTPS (browsers allow localhost too)"
    )
    sign_in_free_failures: int = Field(
        5, ge=1, description="failed sign-ins of an account (3x per address) before waiting"
    )
    watch_dir: Path | None = Field(
        None, description="folder scanners save into; `digitize up` watches it when set"
    )
    watch_interval: float = Field(
        2.0, gt=0, description="seconds between two looks at the watched folder"
    )

    @property
    def effective_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "store"

    def backoff(self, which: str = "job") -> list[int]:
        """Seconds before each retry, from `retry_backoff` or `webhook_backoff`."""
        raw = self.webhook_backoff if which == "webhook" else self.retry_backoff
        try:
            steps = [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise ValueError(f"{which} backoff {raw!r} is not a list of seconds") from None
        return steps or [0]

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'digitize.db'}"

    @property
    def corrections_file(self) -> Path:
        return self.data_dir / "corrections.jsonl"

    @property
    def learned_fields_file(self) -> Path:
        """Field wordings learned from the corrections (issue 13; `digitize train`)."""
        return self.data_dir / "learned_fields.json"

    def effective_model(self) -> Path | None:
        """The classifier model to use: the one set, a retrained one, or the packaged one."""
        from digitize.understand.model import DEFAULT_MODEL  # settings stay import-light

        for candidate in (self.classifier_model, self.data_dir / "classifier.npz", DEFAULT_MODEL):
            if candidate is not None and candidate.is_file():
                return candidate
        return None

    def effective_jobs(self) -> int:
        # One page more than cores: while one page is in Python's image stages the others
        # keep every core busy with Tesseract. 100-page bench on 2 cores: 128-130 pages/min
        # with 3, 127.5-128 with 2; peak PSS 350 MB against 320 (batch.py caps the arenas).
        return self.jobs or len(os.sched_getaffinity(0)) + 1

    # issue 18: hardening (README, "Security").
    webhook_allowed_networks: str = Field(
        "",
        description="internal networks webhooks may reach, ','-joined (e.g. 10.20.0.0/16); "
        "by default only public addresses",
    )
    citizen_token_max_minutes: int = Field(
        24 * 60, ge=1, le=7 * 24 * 60,
        description="a citizen token living longer than this (exp - iat) is refused",
    )  # fmt: skip
    max_form_fields: int = Field(
        16, ge=1, le=1000, description="plain (non-file) form fields accepted in one upload"
    )
    worker_stop_seconds: int = Field(
        5, ge=1, le=600, description="seconds a worker asked to stop gives its current job"
    )
    # issue 15 (round b): behind a reverse proxy, whose X-Forwarded-For to believe
    trusted_proxies: str = Field(
        "",
        description="reverse proxies (addresses or networks, ','-joined, e.g. 10.0.0.5, "
        "10.1.0.0/16) whose X-Forwarded-For gives the staff member's address for the "
        "sign-in slow-down and the audit; from any other peer the header is ignored",
    )

    # issue 18, second round: Redis faults (README, "Security").
    queue_reconcile_seconds: int = Field(
        60, ge=1, le=24 * 3600,
        description="a file the database says is waiting or under way, older than this and "
        "with no work on the queue (Redis lost it), is queued again",
    )  # fmt: skip
    instance_id: str = Field(
        "", max_length=64,
        description="set by `digitize up` for its workers and API: the installation whose "
        "queue they serve; a Redis holding another instance's id for the queue is refused",
    )  # fmt: skip

    # issue 13 (round c): the learned field model (label wording -> field).
    field_model: Path | None = Field(
        None,
        description="the field model (label wording to field) to use; default: "
        "DATA_DIR/field_model.npz when `digitize train` made one, else the packaged one",
    )

    def effective_field_model(self) -> Path | None:
        """The field model to use: the one set, a retrained one, or the packaged one."""
        from digitize.understand.field_model import DEFAULT_FIELD_MODEL

        for candidate in (self.field_model, self.data_dir / "field_model.npz", DEFAULT_FIELD_MODEL):
            if candidate is not None and candidate.is_file():
                return candidate
        return None


def load_knowledge(settings: Settings) -> Knowledge:
    """The catalogue and classifier model the settings name."""
    from digitize.understand import Knowledge  # settings stay import-light

    return Knowledge.load(
        settings.catalogue_dir,
        settings.effective_model(),
        unknown_below=settings.unknown_below,
        review_below=settings.review_below,
        learned_path=settings.learned_fields_file,
        field_model_path=settings.effective_field_model(),
    )
