"""Run by the vantage6 server environment's Python, where vantage6-client 4.15.2 lives.

Reads a JSON job on stdin, prints one line ``RESULT: {json}``: what the official
client and cryptor made of labpanels' output, and what they wrote for labpanels to read.
"""

import json
import sys
from pathlib import Path

from vantage6.client import UserClient
from vantage6.common.encryption import RSACryptor

job = json.load(sys.stdin)
out = {}

cryptor = RSACryptor(Path(job["key_file"]))
out["decrypted_ours"] = cryptor.decrypt_str_to_bytes(job["our_envelope"]).decode()
out["their_envelope"] = cryptor.encrypt_bytes_to_str(
    job["plaintext"].encode(), job["public_key"])

client = UserClient(job["host"], job["port"], "/api", log_level="error")
client.authenticate(job["username"], job["password"])
client.setup_encryption(job["key_file"])
task = client.task.create(
    collaboration=job["collaboration_id"], organizations=[job["organization_id"]],
    name="official-client-task", image="harbor2.vantage6.ai/demo/average",
    description="created by vantage6-client", databases=[{"label": "default"}],
    input_={"method": "central_average", "args": [], "kwargs": {"column_name": "age"}},
)
results = client.wait_for_results(task["id"], interval=0.5)
out["their_task_id"] = task["id"]
out["their_task_result"] = json.loads(results["data"][0]["result"])
ours = client.result.from_task(job["our_task_id"])
out["our_task_results"] = sorted(json.loads(r["result"])["count"] for r in ours["data"])
print("RESULT: " + json.dumps(out), flush=True)
