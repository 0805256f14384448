"""Timed with vantage6-client 4.15.2, in the vantage6 server's environment.

Reads a JSON job on stdin; prints ``RESULT: {json}`` with seconds per measurement.
"""

import json
import sys
import time
from pathlib import Path

job = json.load(sys.stdin)
out = {}

if job.get("import_only"):
    started = time.perf_counter()
    from vantage6.client import UserClient  # noqa: F401

    out["import"] = time.perf_counter() - started
    print("RESULT: " + json.dumps(out), flush=True)
    sys.exit(0)

from vantage6.client import UserClient  # noqa: E402
from vantage6.common.encryption import RSACryptor  # noqa: E402

client = UserClient(job["host"], job["port"], "/api", log_level="error")
client.authenticate("root", job["root_password"])
client.setup_encryption(None)

for per_page in (10, 1000):
    times = []
    for _ in range(job["repeats"]):
        started = time.perf_counter()
        items, page = [], 1
        while True:  # the official client does not page by itself: a user loops
            batch = client.organization.list(page=page, per_page=per_page)["data"]
            items.extend(batch)
            if len(batch) < per_page:
                break
            page += 1
        times.append(time.perf_counter() - started)
    out[f"list_per_page_{per_page}"] = sorted(times)[len(times) // 2]
    out[f"list_count_{per_page}"] = len(items)

researcher = UserClient(job["host"], job["port"], "/api", log_level="error")
researcher.authenticate(job["username"], job["password"])
researcher.setup_encryption(None)
handed = []
for _ in range(job["latency_repeats"]):
    task = researcher.task.create(
        collaboration=job["collaboration_id"], organizations=job["organization_ids"],
        name="bench-official", image="harbor2.vantage6.ai/demo/average", description="",
        input_={"method": "partial_average", "args": [], "kwargs": {"column_name": "age"}},
        databases=[{"label": "default"}])
    researcher.wait_for_results(task["id"])
    handed.append({"task_id": task["id"], "in_hand": time.time()})
out["latency"] = handed

cryptor = RSACryptor(Path(job["key_file"]))
envelopes = json.loads(Path(job["envelopes"]).read_text())
started = time.perf_counter()
decoded = [json.loads(cryptor.decrypt_str_to_bytes(e)) for e in envelopes]
out["decrypt"] = time.perf_counter() - started
out["decrypt_count"] = len(decoded)
print("RESULT: " + json.dumps(out), flush=True)
