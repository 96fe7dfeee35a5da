"""``make rush``: the Wednesday-morning rush against gunicorn and PostgreSQL on this machine.

For each gunicorn configuration asked for, it:

1. makes a fresh PostgreSQL database (``improvement_rush``), migrates it, and seeds one
   plan with LEADS action leads of ACTIONS actions each (bulk; one password hash);
2. starts the web service exactly as production does, ``deploy/entrypoint.sh web``
   (migrate, collectstatic if needed, gunicorn with deploy/gunicorn.conf.py), with the
   production settings (bench/rush/settings.py: DEBUG off, plain http on the loopback);
3. runs locust headless (bench/rush/locustfile.py): the leads sign in, open My actions
   and save updates for DURATION seconds while a few readers fetch the bare view;
4. LOCK_AT seconds in, locks the plan from the command line, as the PMO would
   (``manage.py lock_period --now --reason "rush test"``), in the middle of the saves;
5. reports saves per second, p50/p95/p99 latency, errors and the bare view's ratio, and
   counts the rows: every save answered "Update saved" is in the database exactly once,
   and the lock's snapshot holds exactly what was saved before it;
6. with the server stopped, measures the web CPU of one save against a signed-in page
   that does nothing (bench/rush/profile_save.py, in-process, alternating batches).

    .venv/bin/python bench/rush/run.py [--config gthread:4x4 --config sync:5 ...]
        [--duration 300] [--lock-at 150] [--leads 100] [--actions 10] [--rate 1.6]

Targets (issue 7): 0 errors, nothing lost, at least 150 saves per second on 2 cores, p95
under 300 ms; (issue 15) a save's web CPU at most 3x a signed-in bare page's. Results are
written to bench/rush/var/rush-<config>.json. The database is RUSH_DATABASE_URL's
(default ``improvement_rush``), so two checkouts can run side by side on their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUSH_DIR = ROOT / "bench" / "rush"
VAR = RUSH_DIR / "var"
PASSWORD = "Rush-hour-password-2026"  # noqa: S105 (the benchmark's own accounts)
TARGET_SAVES_PER_SECOND = 150.0
TARGET_P95_MS = 300.0
TARGET_SAVE_CPU_RATIO = 3.0  # a save's web CPU against a signed-in page that does nothing


@dataclass(frozen=True)
class GunicornConfig:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> GunicornConfig:
        """'sync:5' or 'gthread:4x4' (workers x threads)."""
        kind, _, size = text.partition(":")
        workers, _, threads = size.partition("x")
        return cls(kind, int(workers), int(threads or 1))

    @property
    def label(self) -> str:
        return f"{self.worker_class}-{self.workers}x{self.threads}"

    def env(self) -> dict[str, str]:
        return {
            "GUNICORN_WORKER_CLASS": self.worker_class,
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
        }


@dataclass
class CpuMeter:
    """CPU seconds used by the server, PostgreSQL and locust, sampled every second."""

    server_pid: int
    locust_pid: int | None = None
    seconds: Counter = field(default_factory=Counter)
    _last: dict[int, tuple[str, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    stopped: float = 0.0

    def _group(self, proc, server_pids: set[int], locust_pids: set[int]) -> str | None:
        if proc.pid in server_pids:
            return "gunicorn"
        if proc.pid in locust_pids:
            return "locust"
        if proc.info["name"] and proc.info["name"].startswith("postgres"):
            return "postgres"
        return None

    def _sample(self) -> None:
        import psutil

        try:
            server = psutil.Process(self.server_pid)
            server_pids = {self.server_pid, *(c.pid for c in server.children(recursive=True))}
        except psutil.NoSuchProcess:
            server_pids = set()
        locust_pids: set[int] = set()
        if self.locust_pid:
            try:
                locust = psutil.Process(self.locust_pid)
                locust_pids = {self.locust_pid, *(c.pid for c in locust.children(recursive=True))}
            except psutil.NoSuchProcess:
                pass
        for proc in psutil.process_iter(["name"]):
            group = self._group(proc, server_pids, locust_pids)
            if group is None:
                continue
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total = times.user + times.system
            before = self._last.get(proc.pid, (group, 0.0 if self.started else total))[1]
            self.seconds[group] += max(0.0, total - before)
            self._last[proc.pid] = (group, total)

    @staticmethod
    def _busy() -> float:
        import psutil

        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def run(self) -> None:
        self.started = time.time()
        self._sample()
        self.seconds.clear()
        busy = self._busy()
        while not self._stop.wait(1.0):
            self._sample()
        self.seconds["machine"] = self._busy() - busy
        self.stopped = time.time()

    def stop(self) -> dict[str, float]:
        """Percent of one core, per group; 'other' is everything else on the machine."""
        self._stop.set()
        while not self.stopped:
            time.sleep(0.1)
        elapsed = max(1e-9, self.stopped - self.started)
        ours = sum(s for g, s in self.seconds.items() if g != "machine")
        shares = {g: round(100 * s / elapsed, 1) for g, s in self.seconds.items()}
        shares["other"] = round(100 * max(0.0, self.seconds["machine"] - ours) / elapsed, 1)
        return shares


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    if len(values) == 1:
        return {"n": 1, "p50": values[0], "p95": values[0], "p99": values[0]}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "max": round(max(values), 1),
    }


# Setup -----------------------------------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.rush.settings"
    import django

    django.setup()


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connections

    from bench.rush import settings as rush

    connections.close_all()
    rush.recreate_database()
    call_command("migrate", verbosity=0)


def seed(leads: int, actions_per_lead: int) -> tuple[int, list[str]]:
    """One plan whose current week stays open for days; LEADS leads with their actions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from actions import services
    from actions.models import Action, FindingKind, Plan, Role, Status

    user_model = get_user_model()
    password = make_password(PASSWORD)  # hashed once, as production would: PBKDF2
    users = user_model.objects.bulk_create(
        user_model(
            username=f"lead{n:03}",
            email=f"lead{n:03}@rush.example.nhs.uk",
            first_name="Lead",
            last_name=f"{n:03}",
            password=password,
        )
        for n in range(1, leads + 1)
    )
    group = Group.objects.get_or_create(name=Role.ACTION_LEAD.value)[0]
    user_model.groups.through.objects.bulk_create(
        user_model.groups.through(user_id=u.pk, group_id=group.pk) for u in users
    )
    today = timezone.localdate()
    plan = Plan.objects.create(
        name="Wednesday rush plan",
        trust="Rush NHS Foundation Trust",
        deadline_weekday=(today + dt.timedelta(days=3)).weekday(),
        deadline_time=dt.time(12, 0),
        cycle_starts_on=today,
    )
    Action.objects.bulk_create(
        Action(
            plan=plan,
            ref=f"R{i * actions_per_lead + j + 1:04}",
            theme="Governance",
            department="Trust wide",
            kind=FindingKind.MUST,
            requirement="The trust must ensure that risks are recorded and mitigated.",
            action_lead=user,
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=180),
            status=Status.GREEN,
        )
        for i, user in enumerate(users)
        for j in range(actions_per_lead)
    )
    services.period_current_row(plan=plan)  # the open period exists before the rush
    return plan.pk, [u.username for u in users]


# The run ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(config: GunicornConfig, port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        **config.env(),
        "PYTHON": sys.executable,
        "DJANGO_SETTINGS_MODULE": "bench.rush.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        ["deploy/entrypoint.sh", "web"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 300  # the first run collects the static files
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200 and server.poll() is None:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 300 s; see {log.name}")


def warm_up(port: int, requests: int = 64) -> None:
    """A server that has been up all morning: every worker thread has answered before."""
    from concurrent.futures import ThreadPoolExecutor

    def get(n: int) -> None:
        path = "/accounts/login/" if n % 2 else "/bench/bare/"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:  # noqa: S310
            r.read()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(get, range(requests)))


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def lock_later(plan_pk: int, delay: float, out: dict) -> threading.Timer:
    """The PMO's "Lock plan now", from the command line, DELAY seconds into the rush."""

    def lock() -> None:
        out["started"] = time.time()
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "lock_period",
                "--now",
                "--reason",
                "rush test",
                "--plan",
                str(plan_pk),
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.rush.settings"},
            capture_output=True,
            text=True,
        )
        out["finished"] = time.time()
        out["returncode"] = result.returncode
        out["output"] = (result.stdout + result.stderr).strip()[-500:]

    timer = threading.Timer(delay, lock)
    timer.start()
    return timer


def drive(config, plan_pk, leads, args, port) -> dict:
    results_path = VAR / f"locust-{config.label}.json"
    results_path.unlink(missing_ok=True)
    log = open(VAR / f"gunicorn-{config.label}.log", "w")  # noqa: SIM115 (closed below)
    with socket.socket() as probe:  # another server on the port would answer for ours
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"Something already listens on 127.0.0.1:{port}; use --port.")
    server = start_server(config, port, log)
    warm_up(port)
    if server.poll() is not None:
        raise SystemExit(f"gunicorn exited ({server.returncode}); see {log.name}")
    meter = CpuMeter(server_pid=server.pid)
    lock: dict = {}
    env = {
        **os.environ,
        "RUSH_PASSWORD": PASSWORD,
        "RUSH_LEADS": ",".join(leads),
        "RUSH_SAVE_RATE": str(args.rate),
        "RUSH_BARE_READERS": str(args.bare_readers),
        "RUSH_RESULTS": str(results_path),
    }
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(RUSH_DIR / "locustfile.py"),
        "--headless",
        "--users",
        str(len(leads) + args.bare_readers),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(
        f"[{config.label}] locust: {len(leads)} leads, {args.duration} s, lock at {args.lock_at} s"
    )
    try:
        with open(VAR / f"locust-{config.label}.log", "w") as locust_log:
            locust = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=locust_log, stderr=subprocess.STDOUT
            )
            meter.locust_pid = locust.pid
            sampler = threading.Thread(target=meter.run, daemon=True)
            sampler.start()
            timer = lock_later(plan_pk, args.lock_at, lock) if args.lock_at else None
            locust.wait(timeout=args.duration + 120)
            if timer:
                timer.join(timeout=120)
        cpu = meter.stop()
    finally:
        stop(server)
        log.close()
    if not results_path.exists():
        raise SystemExit(f"locust wrote no results; see {VAR / f'locust-{config.label}.log'}")
    run = json.loads(results_path.read_text())
    run["lock"] = lock
    run["cpu_percent"] = cpu
    return run


def cpu_per_save(config: GunicornConfig) -> dict:
    """CPU ms of a save and of the signed-in bare view, in-process (profile_save.py)."""
    out = VAR / f"profile-{config.label}.json"
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, str(RUSH_DIR / "profile_save.py"), "--quiet", "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not out.exists():
        return {"error": (result.stdout + result.stderr).strip()[-500:]}
    return json.loads(out.read_text())


# Checks ----------------------------------------------------------------------------


def _check_updates(by_pair: dict, rows: dict) -> list[str]:
    """Each (action, period) accepted: one row, at the last revision, with the last text."""
    problems: list[str] = []
    for pair, saves in by_pair.items():
        revisions = sorted(s["revision"] for s in saves)
        if revisions != list(range(1, len(saves) + 1)):
            problems.append(f"{pair}: revisions answered {revisions[:10]}…, not 1..{len(saves)}")
        row = rows.get(pair)
        last = max(saves, key=lambda s: s["revision"])
        if row is None:
            problems.append(f"{pair}: {len(saves)} saves accepted, no row in the database")
        elif row.revision != len(saves) or row.narrative != last["narrative"]:
            problems.append(
                f"{pair}: database has revision {row.revision} {row.narrative!r}; "
                f"accepted {len(saves)}, last {last['narrative']!r}"
            )
    for pair in set(rows) - set(by_pair):
        problems.append(f"{pair}: a row in the database that no accepted save made")
    return problems


def _check_history(accepted: list[dict], plan_pk: int) -> tuple[dict, list[str]]:
    """One history entry per accepted save, per action."""
    from django.db.models import Count

    from actions.models import HistoryEntry

    accepted_per_action = Counter(s["action"] for s in accepted)
    history = dict(
        HistoryEntry.objects.filter(
            action__plan_id=plan_pk,
            kind__in=[HistoryEntry.Kind.UPDATE_SAVED, HistoryEntry.Kind.UPDATE_REPLACED],
        )
        .values_list("action_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    problems = [
        f"action {action_id}: {accepted_per_action.get(action_id, 0)} saves accepted, "
        f"{history.get(action_id, 0)} in its history"
        for action_id in set(history) | set(accepted_per_action)
        if history.get(action_id, 0) != accepted_per_action.get(action_id, 0)
    ]
    return history, problems


def _check_lock(run: dict, locked, rows: dict, plan_pk: int) -> tuple[dict, list[str]]:
    """The lock's snapshot matches the saved updates; saves after it went to the next week."""
    from actions.models import Action, PeriodSnapshot

    problems: list[str] = []
    accepted = run["accepted"]
    lock = run["lock"]
    snapshot = {s.action_id: s for s in PeriodSnapshot.objects.filter(period=locked)}
    n_actions = Action.objects.filter(plan_id=plan_pk).count()
    if len(snapshot) != n_actions:
        problems.append(f"snapshot has {len(snapshot)} rows for {n_actions} actions")
    for action_id, snap in snapshot.items():
        row = rows.get((action_id, locked.pk))
        if snap.updated != (row is not None) or (
            row is not None and snap.narrative != row.narrative
        ):
            problems.append(f"action {action_id}: the snapshot differs from the saved update")
    late = [s for s in accepted if s["period"] == locked.pk and s["sent"] > lock["finished"]]
    if late:
        problems.append(f"{len(late)} saves sent after the lock were accepted into it")
    early_refusals = [r for r in run["refused"] if r["answered"] < lock["started"]]
    if early_refusals:
        problems.append(f"{len(early_refusals)} saves refused before the lock began")
    wrong_period = [r for r in run["refused"] if r["period"] != locked.pk]
    if wrong_period:
        problems.append(f"{len(wrong_period)} refusals on a period that was not locked")
    during = [
        s
        for s in accepted + run["refused"]
        if s["answered"] >= lock["started"] and s["sent"] <= lock["finished"]
    ]
    lock_check = {
        "period": locked.label,
        "command_seconds": round(lock["finished"] - lock["started"], 2),
        "command_ok": lock.get("returncode") == 0,
        "saves_in_flight_during_lock": len(during),
        "of_which_saved_before_the_lock": sum(1 for s in during if "revision" in s),
        "of_which_refused_with_the_message": sum(1 for s in during if "next_period" in s),
        "refused_with_the_message": len(run["refused"]),
        "snapshot_rows": len(snapshot),
    }
    if lock.get("returncode") != 0:
        problems.append(f"the lock command failed: {lock.get('output')}")
    return lock_check, problems


def count_rows(run: dict, plan_pk: int) -> dict:
    """Every accepted save in the database exactly once; the lock froze what was before it."""
    from actions.models import ReportingPeriod, WeeklyUpdate

    accepted = run["accepted"]
    by_pair: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for save in accepted:
        by_pair[(save["action"], save["period"])].append(save)

    rows = {
        (u.action_id, u.period_id): u for u in WeeklyUpdate.objects.filter(action__plan_id=plan_pk)
    }
    problems = _check_updates(by_pair, rows)
    history, history_problems = _check_history(accepted, plan_pk)
    problems += history_problems

    lock_check: dict = {}
    locked = ReportingPeriod.objects.filter(plan_id=plan_pk, locked_at__isnull=False).first()
    if run.get("lock"):
        if locked is None:
            problems.append("the lock command ran but no period is locked")
        else:
            lock_check, lock_problems = _check_lock(run, locked, rows, plan_pk)
            problems += lock_problems
    return {
        "accepted_saves": len(accepted),
        "rows_checked": len(by_pair),
        "history_entries": sum(history.values()),
        "lock": lock_check,
        "problems": problems,
    }


def summarise(config: GunicornConfig, run: dict, rows: dict, cpu: dict, args) -> dict:
    latency = {name: percentiles(v) for name, v in run["latencies_ms"].items()}
    saves = run["accepted"]
    save_attempts = saves + run["refused"]
    if save_attempts:
        first = min(s["sent"] for s in save_attempts)
        last = max(s["answered"] for s in save_attempts)
        span = max(1e-9, last - first)
    else:
        span = 1e-9
    signed_in = run.get("all_signed_in_at")
    steady = [s for s in save_attempts if signed_in and s["sent"] >= signed_in]
    if steady:
        steady_span = max(1e-9, max(s["answered"] for s in steady) - signed_in)
        latency["save (all signed in)"] = percentiles(
            [1000 * (s["answered"] - s["sent"]) for s in steady]
        )
        steady_rate = round(sum(1 for s in steady if "revision" in s) / steady_span, 1)
    else:
        steady_rate = None
    save_p95 = latency.get("save", {}).get("p95", float("inf"))
    bare = latency.get("bare", {})
    errors = len(run["errors"])
    summary = {
        "config": config.label,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "leads": args.leads,
        "leads_signed_in": run.get("signed_in"),
        "actions_per_lead": args.actions,
        "offered_saves_per_second": round(args.leads * args.rate, 1),
        "duration_s": args.duration,
        "saves_per_second": round(len(saves) / span, 1),
        "save_requests_per_second": round(len(save_attempts) / span, 1),
        "saves_per_second_all_signed_in": steady_rate,
        "latency_ms": latency,
        "bare_ratio_p50": round(latency["save"]["p50"] / bare["p50"], 1) if bare.get("n") else None,
        "bare_ratio_p95": round(save_p95 / bare["p95"], 1) if bare.get("n") else None,
        "errors": errors,
        "error_kinds": dict(Counter(e["what"] for e in run["errors"])),
        "error_samples": run["errors"][:5],
        "rows": rows,
        "cpu_percent_of_one_core": run["cpu_percent"],
        "cpu_ms_per_request": cpu,
    }
    summary["verdict"] = {
        "0 errors": errors == 0,
        "nothing lost": not rows["problems"],
        f">= {TARGET_SAVES_PER_SECOND:.0f} saves/s": summary["saves_per_second"]
        >= TARGET_SAVES_PER_SECOND,
        f"p95 < {TARGET_P95_MS:.0f} ms": save_p95 < TARGET_P95_MS,
        f"save CPU <= {TARGET_SAVE_CPU_RATIO:.0f}x signed-in bare": cpu.get("ratio", float("inf"))
        <= TARGET_SAVE_CPU_RATIO,
    }
    return summary


def print_summary(s: dict) -> None:
    print()
    print(f"== {s['config']} on {s['cores']} cores: {s['leads']} leads, {s['duration_s']} s ==")
    print(
        f"saves/s {s['saves_per_second']} accepted ({s['save_requests_per_second']} requests/s; "
        f"offered {s['offered_saves_per_second']})"
    )
    print(f"saves/s once every lead had signed in: {s['saves_per_second_all_signed_in']}")
    for name in ("save", "save (all signed in)", "bare", "sign in", "my actions", "sign-in page"):
        p = s["latency_ms"].get(name)
        if p and p.get("n"):
            print(
                f"  {name:<21} n={p['n']:<6} p50 {p['p50']:>7} ms  p95 {p['p95']:>7} ms  "
                f"p99 {p['p99']:>7} ms  max {p['max']:>7} ms"
            )
    print(f"save/bare ratio: p50 {s['bare_ratio_p50']}x, p95 {s['bare_ratio_p95']}x")
    print(f"errors: {s['errors']} {s['error_kinds'] or ''}")
    rows = s["rows"]
    print(
        f"rows: {rows['accepted_saves']} accepted saves, {rows['rows_checked']} updates, "
        f"{rows['history_entries']} history entries; problems: {len(rows['problems'])}"
    )
    for problem in rows["problems"][:10]:
        print(f"  ! {problem}")
    if rows["lock"]:
        print(f"lock: {rows['lock']}")
    print(f"cpu (% of one core): {s['cpu_percent_of_one_core']}")
    cpu = s["cpu_ms_per_request"]
    if "ratio" in cpu:
        print(
            f"web CPU per request (in-process, median of {cpu['batches']} batches): save "
            f"{cpu['save_cpu_ms']} ms ({cpu['save_queries']} queries), signed-in bare view "
            f"{cpu['signed_in_bare_cpu_ms']} ms ({cpu['signed_in_bare_queries']} queries): "
            f"ratio {cpu['ratio']} (least disturbed batches: ratio {cpu['ratio_min']}; other "
            f"CPU meanwhile {cpu['other_cpu_percent_of_one_core']} % of one core)"
        )
    else:
        print(f"web CPU per request: not measured ({cpu.get('error')})")
    print(
        "verdict: " + ", ".join(f"{k}: {'PASS' if v else 'MISS'}" for k, v in s["verdict"].items())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", action="append", help="gunicorn: sync:5, gthread:4x4 …")
    parser.add_argument("--duration", type=int, default=300, help="seconds of rush")
    parser.add_argument("--lock-at", type=float, default=150, help="seconds in; 0: no lock")
    parser.add_argument("--leads", type=int, default=100)
    parser.add_argument("--actions", type=int, default=10, help="actions per lead")
    parser.add_argument("--rate", type=float, default=1.6, help="saves/s per lead, at most")
    parser.add_argument(
        "--spawn-rate", type=float, default=2, help="sign-ins per second (PBKDF2: ~0.4 s CPU each)"
    )
    parser.add_argument("--bare-readers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    configs = [GunicornConfig.parse(c) for c in (args.config or ["gthread:4x4"])]
    args.port = args.port or free_port()
    VAR.mkdir(parents=True, exist_ok=True)
    setup_django()
    summaries = []
    for config in configs:
        print(f"[{config.label}] fresh database, seeding {args.leads} x {args.actions} actions")
        fresh_database()
        plan_pk, leads = seed(args.leads, args.actions)
        run = drive(config, plan_pk, leads, args, args.port)
        rows = count_rows(run, plan_pk)
        print(f"[{config.label}] web CPU of a save against a signed-in bare page, in-process")
        cpu = cpu_per_save(config)
        summary = summarise(config, run, rows, cpu, args)
        (VAR / f"rush-{config.label}.json").write_text(json.dumps(summary, indent=2))
        print_summary(summary)
        summaries.append(summary)
    return 0 if all(all(s["verdict"].values()) for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
