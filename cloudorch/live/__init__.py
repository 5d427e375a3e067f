"""The core live kit: the rules every provider's live half shares, each in one place.

A provider keeps only what is its own: its SDK calls, the facts it reads, and its error table.
Everything else comes from here (nothing in this package names a cloud or imports an SDK):

- :mod:`.ownership` -- :class:`~.ownership.Markers` (declare once: ``Provider.ownership``): the
  owner/tool markers, ``owns(tags, app)``, ``selector(app)``, and the one-line "exists but is not
  managed by cloudorch" refusal, ``not_ours(...)`` / ``ensure(...)``.
- :mod:`.plan` -- :class:`~.plan.Step` (a real callable + arguments + what it acts on) as a Change's
  payload, run by ``apply`` with :func:`~.plan.run_steps`; :class:`~.plan.PlanBuilder` for the
  create / update / no-op decision (``resource``), the orphan sweep (``sweep``), the app-wide
  container rule (``container``); :func:`~.plan.destroy_order` (used by the engine).
- :mod:`.health` -- :class:`~.health.Facts` -> :func:`~.health.classify` (one documented
  precedence) -> :func:`~.health.service_status`; :func:`~.health.app_state` (``AppStatus.state``).
- :mod:`.errors` -- :class:`~.errors.ErrorTable` of :class:`~.errors.Rule` rows per provider,
  translating SDK errors into :class:`~.errors.CloudError` (kind, exit code, hint) with
  ``table.translating(doing)``; :func:`~.errors.poll`, the transient-error rule for waits.
- :mod:`.rollout` -- :func:`~.rollout.roll_replica`: one replica at a time to a new revision, healthy
  for a stable time before the next, put back at once when it fails (:class:`~.rollout.RevisionFailed`,
  exit 4), for platforms without a rollout of their own (ACI).
- :mod:`.timeouts` -- :func:`~.timeouts.budget` turns the command's deadline into SDK connect/read
  timeouts and a retry budget; :func:`~.timeouts.retry_delay` for hand-written retry loops.

The deadline: every live operation of a :class:`~cloudorch.provider.Provider` takes the command's
:class:`~cloudorch.deadline.Deadline` as the keyword argument ``deadline``, and hands it to its
clients (the Kubernetes provider: ``kube.bound(deadline)``; AWS/Azure: ``session.bound(deadline)``),
which take their timeouts from :func:`~.timeouts.budget`.

Migrating a provider (the Kubernetes provider, ``cloudorch_providers.kubernetes.live``, is the worked
example):

1. ``ownership = Markers(...)`` on the provider class (or keep the default keys); replace local
   marker constants and "not ours" messages with ``Markers.owns`` / ``Markers.ensure``.
2. Planner: build Changes with ``PlanBuilder.resource`` per rendered document, whose steps are
   ``Step(the_sdk_call_or_function, args, kwargs, on=...)``; orphans through ``PlanBuilder.sweep``
   with the provider's per-service delete order; ``destroy_plan`` = ``sweep(..., destroying=True)``
   plus ``container(...)`` for the app-wide resource; ``apply`` = ``run_steps(change, client)``.
3. Status: read the facts, fill :class:`~.health.Facts`, return ``health.service_status(...)``.
4. Errors: one :class:`~.errors.ErrorTable`; wrap SDK calls in ``table.translating(doing)``.
   Classify throttling, 5xx and connection failures as transient kinds: the engine's waits then
   retry them until the deadline.
5. Clients: build SDK timeouts from ``budget(deadline)`` (rebuild fixed-config clients when
   ``Timeouts.stale(deadline)``).
"""
