"""Prometheus metrics at ``/api/v1/<service>/metrics``: request counts and latencies per route
(prometheus-fastapi-instrumentator) plus the outbox backlog and its parked events — a growing backlog is the first sign
that another service is down. Each app has its own registry, so four apps can share a process.
The gateway does not expose this path; scrape each instance directly."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.responses import Response

from qingling.delivery import parked_count
from qingling.outbox import backlog
from qingling.runtime import Runtime


class ServiceMetrics:
    def __init__(self, app: FastAPI, prefix: str) -> None:
        self.registry = CollectorRegistry()
        Instrumentator(
            registry=self.registry,
            excluded_handlers=[f"{prefix}/metrics", f"{prefix}/(healthz|readyz|docs|static).*"],
        ).instrument(app, metric_namespace="qingling")
        self.outbox_pending = Gauge(
            "qingling_outbox_pending", "Events written but not yet delivered", registry=self.registry
        )
        self.outbox_parked = Gauge(
            "qingling_outbox_parked",
            "Events refused for good or out of attempts, waiting for a person to resend them",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "qingling_outbox_oldest_pending_seconds", "Age of the oldest undelivered event", registry=self.registry
        )

        self.domain: dict[str, Gauge] = {}  # the service's own gauges (Service.gauges), made on first use

    async def render(self, runtime: Runtime) -> Response:
        async with runtime.unit_of_work() as session:
            count, oldest = await backlog(session, runtime.service.tables.outbox)
            parked = await parked_count(session, runtime.service.tables.outbox)
            readings = await runtime.service.gauges(session, runtime) if runtime.service.gauges else {}
        self.outbox_pending.set(count)
        self.outbox_parked.set(parked)
        self.outbox_oldest_age.set((runtime.clock.now() - oldest).total_seconds() if oldest else 0)
        for name, (description, value) in readings.items():
            if isinstance(value, list):  # one reading per label set
                if name not in self.domain:
                    labels = sorted(value[0][0]) if value else []
                    if not labels:
                        continue  # nothing to tell the label names by yet
                    self.domain[name] = Gauge(name, description, labels, registry=self.registry)
                gauge = self.domain[name]
                gauge.clear()
                for labels_of, reading in value:
                    gauge.labels(**labels_of).set(reading)
                continue
            if name not in self.domain:
                self.domain[name] = Gauge(name, description, registry=self.registry)
            self.domain[name].set(value)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
