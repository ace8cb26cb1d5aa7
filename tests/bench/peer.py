"""Peer benchmark: `sagescope export jobs` against the loop a user writes today with the AWS
CLI, over the same moto world of N accounts x 2 regions.

Run it with the Python of the test virtualenv (the Rust tests create it on first `cargo
test`); it installs awscli there if missing:

    python=$(ls -d "${CARGO_TARGET_DIR:-target}"/tmp/moto-venv-*/bin/python | head -1)
    cargo build && $python tests/bench/peer.py --accounts 3

It reports wall time for each side, the ratio, and the request rate sagescope imposed on
each account, measured by moto's request log (max requests in any 1-second window, per
account and per account/region/operation: SageMaker's quota is about 2/s per operation,
account and region).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "tests" / "moto" / "world.py"
REGIONS = ["us-east-1", "eu-west-1"]
LIST_COMMANDS = [
    "list-training-jobs",
    "list-processing-jobs",
    "list-transform-jobs",
    "list-hyper-parameter-tuning-jobs",
    "list-endpoints",
    "list-notebook-instances",
]
SUMMARY_KEYS = [
    "TrainingJobSummaries",
    "ProcessingJobSummaries",
    "TransformJobSummaries",
    "HyperParameterTuningJobSummaries",
    "Endpoints",
    "NotebookInstances",
]


def account_ids(n):
    return ["123456789012"] + [f"{i}" * 12 for i in range(2, n + 1)]


class Fixture:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(WORLD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.port = json.loads(self.proc.stdout.readline())["port"]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def call(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def ensure_awscli():
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "awscli"],
            check=True,
        )
    return aws


def sagescope_binary(path):
    if path:
        return Path(path)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ["release", "debug"]:
        candidate = target / profile / "sagescope"
        if candidate.exists():
            return candidate
    sys.exit("no sagescope binary: run `cargo build` (or pass --sagescope PATH)")


def environment(home, endpoint):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("MOTO_ACCOUNT_ID", None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        AWS_CONFIG_FILE=str(home / "aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws" / "credentials"),
        AWS_ENDPOINT_URL=endpoint,
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def write_files(home, accounts):
    (home / "aws").mkdir(parents=True, exist_ok=True)
    (home / "aws" / "credentials").write_text(
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    config = ["[default]\nregion = us-east-1\n"]
    toml = []
    for i, account in enumerate(accounts):
        name = f"acct{i + 1}"
        toml.append(f'[[accounts]]\nname = "{name}"\nregions = {json.dumps(REGIONS)}\n')
        if i > 0:
            role = f"arn:aws:iam::{account}:role/SageScopeReadOnly"
            toml[-1] += f'role_arn = "{role}"\n'
            config.append(f"[profile {name}]\nrole_arn = {role}\nsource_profile = default\n")
    (home / "aws" / "config").write_text("\n".join(config))
    (home / "sagescope.toml").write_text("\n".join(toml))
    return [f"acct{i + 1}" for i in range(len(accounts))]


def cli_loop(aws, env, profiles):
    """What a user writes today: one CLI call per profile, region and kind (the CLI pages)."""
    rows = 0
    for i, profile in enumerate(profiles):
        for region in REGIONS:
            for command, key in zip(LIST_COMMANDS, SUMMARY_KEYS):
                args = [str(aws), "sagemaker", command, "--region", region, "--output", "json"]
                if i > 0:
                    args += ["--profile", profile]
                out = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
                rows += len(json.loads(out.stdout).get(key, []))
    return rows


def rates(requests):
    """Max requests in any 1-second window [t, t+1), per account and per (account, op key)."""

    def max_window(times):
        times = sorted(times)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    per_account = defaultdict(list)
    per_key = defaultdict(list)
    for t, account, region, op in requests:
        per_account[account].append(t)
        # SageMaker's quota is per API, account and region; STS (GetCallerIdentity, and the
        # AssumeRole calls the base account makes for each role) is not part of it.
        if op.startswith(("List", "Describe")):
            per_key[(account, region, op)].append(t)
    account_rate = {a: max_window(ts) for a, ts in per_account.items()}
    key_rate = defaultdict(int)
    for (account, _, _), ts in per_key.items():
        key_rate[account] = max(key_rate[account], max_window(ts))
    return account_rate, key_rate, len(requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--big", type=int, default=150, help="training jobs in account 1, us-east-1")
    parser.add_argument("--sagescope", help="path to the sagescope binary")
    args = parser.parse_args()

    aws = ensure_awscli()
    binary = sagescope_binary(args.sagescope)
    accounts = account_ids(args.accounts)
    fixture = Fixture()
    try:
        seeded = fixture.call(cmd="seed", accounts=accounts, regions=REGIONS, big=args.big)["jobs"]
        home = Path(tempfile.mkdtemp(prefix="sagescope-bench-"))
        profiles = write_files(home, accounts)
        env = environment(home, fixture.endpoint)
        config = str(home / "sagescope.toml")

        # sagescope, cold: no cache, so it lists everything, as the CLI loop must.
        start = time.monotonic()
        out = subprocess.run(
            [str(binary), "export", "jobs", "--config", config],
            env=env, check=True, capture_output=True, text=True,
        )
        cold = time.monotonic() - start
        ours = len(json.loads(out.stdout)["rows"])
        cold_requests = fixture.call(cmd="requests")["requests"]

        # sagescope, steady state: the second refresh, from its cache.
        start = time.monotonic()
        subprocess.run(
            [str(binary), "export", "jobs", "--config", config],
            env=env, check=True, capture_output=True, text=True,
        )
        warm = time.monotonic() - start
        warm_requests = fixture.call(cmd="requests")["requests"]

        start = time.monotonic()
        theirs = cli_loop(aws, env, profiles)
        loop = time.monotonic() - start
        cli_requests = fixture.call(cmd="requests")["requests"]
        shutil.rmtree(home, ignore_errors=True)
    finally:
        fixture.close()

    n = len(accounts)
    print(f"world: {n} accounts x {len(REGIONS)} regions, {len(seeded)} resources "
          f"({args.big} training jobs in one account-region); sagescope: {binary}")
    print(f"rows: sagescope {ours}, aws CLI loop {theirs}, seeded {len(seeded)}")
    print(f"aws CLI loop ({n * len(REGIONS) * len(LIST_COMMANDS)} invocations): "
          f"{loop:.2f} s, {len(cli_requests)} requests")
    print(f"sagescope export jobs, cold:   {cold:.2f} s, {len(cold_requests)} requests "
          f"(ratio {loop / cold:.1f}x)")
    print(f"sagescope export jobs, steady: {warm:.2f} s, {len(warm_requests)} requests "
          f"(ratio {loop / warm:.1f}x)")
    account_rate, key_rate, _ = rates(cold_requests)
    print("sagescope request rate, cold run (max requests in any 1 s window):")
    for account in accounts:
        print(f"  {account}: {account_rate.get(account, 0)}/s over all APIs and regions, "
              f"{key_rate.get(account, 0)}/s per SageMaker API and region (quota: about 2)")


if __name__ == "__main__":
    main()
