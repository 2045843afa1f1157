"""The whole local stack in one process: AWS emulator, resources, state, handlers, HTTP
gateway, queue consumers, schedules and extra services (see local/services.py).

Everything comes from template.yaml: nothing here names a function, a route or a resource.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from . import aws, services, state
from .runtime import Runtime
from .schedules import Scheduler, jobs_of
from .server import Gateway, log, make_server
from .template import TEMPLATE_PATH, Resolver, create_resources, global_environment, load_template
from .workers import consumers_for, wait_until_drained

DEFAULT_ADMIN = ("admin@cvchapchap.local", "ChapChap-Admin-2026!")
PREFIX = "cvchapchap-local"
# Payments never reach the template's internet gateway from here: the Selcom simulator
# (local/services.py) replaces this, and SELCOM_BASE_URL in the environment wins over both.
NO_SELCOM = "http://127.0.0.1:9/no-local-selcom"


def _off(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("off", "0", "false", "no")


class Stack:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 3000, state_dir: Path,
                 template_path: Path = TEMPLATE_PATH, parameter_overrides: dict | None = None,
                 region: str = aws.REGION):
        self.user_env = set(os.environ)  # what the developer set wins over everything
        self.host, self.port, self.region = host, port, region
        self.state_dir = Path(state_dir).resolve()
        self.template = load_template(template_path)
        self.overrides = parameter_overrides or {}
        self.prefix = PREFIX
        self.moto = aws.Moto()
        self.services: list[services.Service] = []
        self.consumers, self.scheduler, self.store, self.httpd = [], None, None, None
        self.stopping = threading.Event()
        self.admin_note, self.restored, self.seeded = "", {}, []
        self._serving = False

    # ------------------------------------------------------------ start
    def check_template(self) -> None:
        own = [f.logical_id for f in self.template.functions.values() if f.environment]
        if own:
            raise SystemExit(
                f"{', '.join(own)} declare their own Environment in template.yaml. The local stack "
                "runs every function in one process and cannot give one function its own "
                "variables: move them to Globals.Function.Environment.Variables (docs/local-stack.md).")

    def start(self) -> None:
        self.check_template()
        pid = state.running_pid(self.state_dir)
        if pid:
            raise SystemExit(f"another local stack (pid {pid}) uses {self.state_dir}; stop it first "
                             "or pass another --state-dir")
        try:  # bind first: a busy port fails fast, before the slower steps
            self.httpd = make_server(Gateway(self), self.host, self.port)
        except OSError as exc:
            raise SystemExit(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc} "
                             "(PORT=... or --port to use another port)") from None
        self.port = self.httpd.server_address[1]
        self.state_dir.mkdir(parents=True, exist_ok=True)
        state.write_atomically(self.state_dir / "stack.pid", str(os.getpid()).encode())

        aws.point_boto3_at(self.moto.start(), self.region)
        session = aws.session(self.region)
        self.physical = create_resources(self.template, prefix=self.prefix, region=self.region,
                                         session=session, overrides=self.overrides)
        self.resolver = Resolver(self.template, self.physical, self.region, self.overrides)
        try:
            self._export_environment()
        except KeyError as exc:  # a !Ref to something the local stack does not create
            raise SystemExit(f"Globals environment: {exc.args[0]}") from None
        self.services = services.start_services(self, protected=self.user_env)
        self.store = state.StateStore(self.state_dir, self.template, self.physical, session, self.region)
        self.restored = self.store.restore()

        log_group = next((v["Ref"] for k, v in self.physical.items()
                          if k in self.template.resources_of("AWS::Logs::LogGroup")), "")
        self.runtime = Runtime(self.template, region=self.region, prefix=self.prefix,
                               log_group=log_group, on_invoke=lambda _fid: self.mark_dirty())
        for fn in self.template.functions.values():  # chapchap importable for the bootstrap
            self.runtime._add_paths(fn)
        self._bootstrap()

        self.consumers = consumers_for(self.template, self.physical, session.client("sqs"),
                                       self.runtime.invoke, region=self.region, log=log)
        jobs = [] if _off("LOCAL_SCHEDULES") else jobs_of(self.template, resolve=self.resolver.resolve)
        self.scheduler = Scheduler(jobs, self.runtime.invoke, region=self.region,
                                   prefix=self.prefix, log=log)
        if not _off("LOCAL_CONSUMERS"):
            for consumer in self.consumers:
                consumer.start()
        self.scheduler.start()
        threading.Thread(target=self._saver, name="state-saver", daemon=True).start()
        threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True).start()
        self._serving = True

    def _export_environment(self) -> None:
        """Template Globals, overridden by the local values of the local-only variables (then
        by services); a variable the developer already set wins over all of them."""
        local = {"JWT_SECRET": state.jwt_secret(self.state_dir),
                 "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}", "SELCOM_BASE_URL": NO_SELCOM}
        for key, value in {**global_environment(self.template, self.resolver), **local}.items():
            if key not in self.user_env:
                os.environ[key] = value

    def _bootstrap(self) -> None:
        """The first admin (ADMIN_EMAIL / ADMIN_PASSWORD) and the starter templates, through
        the same code as BootstrapFunction in AWS (chapchap.bootstrap): audited, idempotent."""
        email = os.environ.get("ADMIN_EMAIL") or DEFAULT_ADMIN[0]
        given = os.environ.get("ADMIN_PASSWORD")
        password = given or DEFAULT_ADMIN[1]
        shown = f"{email} / {password} (default password)" if not given else \
            f"{email} (password from ADMIN_PASSWORD)"
        try:
            bootstrap = importlib.import_module("chapchap.bootstrap")
            done = bootstrap.run(admin_email=email, admin_name="Administrator", admin_password=password)
        except Exception:  # noqa: BLE001 - the stack still serves the rest; the routes will say so too
            log(f"warning: the bootstrap failed:\n{traceback.format_exc()}", sys.stderr)
            self.admin_note = f"{shown}  [bootstrap failed, see above]"
            return
        self.admin_note = f"{shown}  [{'created' if done['admin']['created'] else 'exists'}]"
        written = done["templates"]["created"]
        if written:
            self.seeded = [f"starter templates: {len(written)}"]

    # ------------------------------------------------------------ running
    def mark_dirty(self) -> None:
        if self.store is not None:
            self.store.dirty.set()

    def _saver(self) -> None:
        interval = float(os.environ.get("LOCAL_SAVE_INTERVAL", "2"))
        while not self.stopping.wait(interval):
            if self.store.dirty.is_set():
                try:
                    self.store.save()
                except Exception:  # noqa: BLE001 - try again at the next change
                    log(f"warning: saving the state failed:\n{traceback.format_exc()}", sys.stderr)

    def save_state(self) -> dict:
        return self.store.save()

    def drain(self, timeout: float = 30) -> bool:
        return wait_until_drained(self.consumers, timeout)

    @property
    def api_id(self) -> str:
        return next((v["Ref"] for k, v in self.physical.items()
                     if k in self.template.resources_of("AWS::Serverless::HttpApi")), "local")

    @property
    def cors_config(self) -> dict | None:
        for res in self.template.resources_of("AWS::Serverless::HttpApi").values():
            cors = res.get("Properties", {}).get("CorsConfiguration")
            if cors is True:
                return {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
            if cors:
                return self.resolver.resolve(cors)
        return None

    def describe_functions(self) -> list[dict]:
        out = []
        for fn in self.template.functions.values():
            out.append({
                "id": fn.logical_id, "handler": fn.handler,
                "source": str(fn.source_file), "source_exists": fn.source_file.exists(),
                "timeout": fn.timeout, "memory": fn.memory,
                "routes": [r.route_key for r in self.template.routes if r.function_id == fn.logical_id],
                "events": [{"name": n, "type": e.get("Type"), "properties": self._resolved(e.get("Properties", {}))}
                           for n, e in fn.events.items()],
            })
        return out

    def _resolved(self, value):
        try:
            return self.resolver.resolve(value)
        except KeyError:
            return value

    def info(self) -> dict:
        return {
            "url": f"http://{self.host}:{self.port}", "moto_endpoint": self.moto.endpoint,
            "region": self.region, "prefix": self.prefix, "state_dir": str(self.state_dir),
            "state_file": str(self.state_dir / "state.json"), "resources": self.physical,
            "consumers": [f"{c.queue.logical_id} -> {c.function_id}" for c in self.consumers],
            "schedules": [j.describe() for j in self.scheduler.jobs] if self.scheduler else [],
            "services": [{"name": s.name, "url": s.url} for s in self.services],
            "ddb_conflicts": _conflicts(),
        }

    def banner(self) -> str:
        t, r = self.template, self.restored
        missing = self.runtime.missing_sources()
        lines = [
            "CV Chap Chap local stack",
            f"  API        http://{self.host}:{self.port}   ({len(t.functions)} functions, "
            f"{len(t.routes)} routes, {len(self.consumers)} queue consumer(s), "
            + (f"{len(self.scheduler.jobs)} schedule(s))" if not _off("LOCAL_SCHEDULES") else "schedules off)"),
            f"  docs       http://{self.host}:{self.port}/api/docs   (Swagger UI, make openapi writes openapi.json)",
            f"  AWS (moto) {self.moto.endpoint}   region {self.region}",
            f"  admin      {self.admin_note}",
            *([f"  seeded     {', '.join(self.seeded)}"] if self.seeded else []),
            f"  state      {self.state_dir / 'state.json'}" + (
                f"   (restored {r['items']} items, {r['objects']} objects, {r['messages']} messages)"
                if r else "   (fresh)"),
            "  reset      make reset   (or python -m local --reset)",
        ]
        lines += [f"  {s.name:<10} {s.url}" for s in self.services]
        if not any(s.name.lower() == "selcom" for s in self.services):
            selcom = os.environ.get("SELCOM_BASE_URL")
            lines.append(f"  selcom     {selcom}   (SELCOM_BASE_URL)")
        if missing:
            lines.append(f"  not yet    {', '.join(f.logical_id for f in missing)} (no handler file)")
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            lines.append(f"  warning    listening on {self.host}: /_local/ runs any function for anyone")
        lines.append("  Ctrl-C to stop; the state is saved on exit.")
        return "\n".join(lines)

    # ------------------------------------------------------------ stop
    def run(self) -> None:
        """Start, print the banner, serve until SIGINT/SIGTERM, then stop cleanly."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        try:
            self.start()
            log(self.banner())
            self.stopping.wait()
        finally:
            self.stop()

    def stop(self) -> None:
        self.stopping.set()
        if self.httpd is not None:
            if self._serving:  # shutdown() waits for serve_forever to return
                self.httpd.shutdown()
            self.httpd.server_close()
        if self.scheduler:
            self.scheduler.stop()
        for consumer in self.consumers:  # all at once: each may be in a 1 s long poll
            consumer.request_stop()
        for consumer in self.consumers:
            consumer.stop()
        if self.store is not None:
            try:
                counts = self.store.save()
                log(f"saved {counts['items']} items, {counts['objects']} objects, "
                    f"{counts['messages']} messages to {self.store.file}")
            except Exception:  # noqa: BLE001
                log(f"warning: saving the state failed:\n{traceback.format_exc()}", sys.stderr)
        services.stop_services(self.services)
        self.moto.stop()
        pid_file = self.state_dir / "stack.pid"
        if pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink()


def _conflicts() -> dict | None:
    """The conflict emulator's figures (LOCAL_DDB_CONFLICTS), None when it is off."""
    from local import conflicts

    if not conflicts.enabled():
        return None
    return {**conflicts.STATS.snapshot(), "hold_seconds": conflicts.hold(), "hottest": conflicts.STATS.hottest(8)}
