"""Serve one vendor emulator on a loopback port, in its own process, for the sync benchmark.

Unlike ``hub emulator``, this sets the knobs the CLI cannot: the HubSpot access token and
search rate. Run by ``sync_benchmark.py``; by hand:
``.venv/bin/python benchmarks/sync_emulators.py hubspot --port 8101 --people 1000 --rate-limit 0``.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from hub.connector import EmulatorOptions
from hub.plugins import HubPlugins

TOKEN = "bench-token"


def build(name: str, *, seed: int, people: int, rate_limit: int) -> Any:
    extra: dict[str, Any] = {}
    if name == "hubspot":
        # limits on: HubSpot's own search limit (5/s) stays; off: nothing is limited
        extra = {"access_token": TOKEN, **({} if rate_limit else {"search_rate": 0})}
    spec = HubPlugins.load(environ={}).connector(name)
    assert spec.emulator is not None
    options = EmulatorOptions(seed=seed, people=people, rate_limit=rate_limit, extra=extra)
    return spec.emulator(options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", choices=["greenhouse", "hubspot"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rate-limit", type=int, default=0)
    args = parser.parse_args()
    app = build(args.name, seed=args.seed, people=args.people, rate_limit=args.rate_limit)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
