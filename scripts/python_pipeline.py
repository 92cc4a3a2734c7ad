#!/usr/bin/python3
"""The Python pipeline scripts/bench.sh measures cis-worker against: what a skilled engineer builds in an afternoon
from Debian's python3-torch, python3-pil and python3-boto3, reading the same S3 notifications from its own queue.

  default: SQS -> a 2-process pool (S3 GET, Pillow decode in JPEG draft mode, CLIPProcessor's preprocessing) ->
           TorchScript at batch 8 in the main process -> one OpenSearch _bulk per batch -> SQS DeleteMessageBatch
  --seed:  the seed design (the Lambda the worker replaced): one process, one image at a time, every pixel decoded,
           one _update per document and one DeleteMessage per message

The bench harness around it (bench()) makes a queue, sends one S3 notification per key of the worker's run (the JSON
`bench run --json` writes), times from the first send to the last image indexed, and prints and writes the figure.
Endpoints come from the environment, as for the worker: eval "$(scripts/local-stack.sh env)".

  /usr/bin/python3 scripts/python_pipeline.py --bench-json RUN.json --model model-bf16.pt --index NAME [--seed]
"""
import argparse
import functools
import hashlib
import io
import json
import multiprocessing
import os
import queue
import time
import urllib.parse
from datetime import datetime, timezone

import boto3
import botocore.config
import numpy as np
import urllib3
from PIL import Image, ImageOps

SIZE = 224
DRAFT_MIN_SIDE = 4 * SIZE  # as the worker's dct path (Downscale.DCT): the shorter side stays >= 896
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def aws(service):
    # Debian's boto3 (1.26) predates AWS_ENDPOINT_URL_<SERVICE>, so the local endpoints are passed by hand.
    return boto3.client(service, endpoint_url=os.environ.get("AWS_ENDPOINT_URL_" + service.upper()),
                        config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}))


def preprocess(data, draft):
    """CLIPProcessor's steps: EXIF orientation, RGB, shorter side to 224 with PIL's bicubic, centre crop 224, CLIP's mean and std."""
    image = Image.open(io.BytesIO(data))
    if draft and image.format == "JPEG":
        # libjpeg's DCT scaling: decoded at 1/2, 1/4 or 1/8 while both sides stay >= DRAFT_MIN_SIDE.
        image.draft("RGB", (DRAFT_MIN_SIDE, DRAFT_MIN_SIDE))
    if image.getexif().get(0x0112, 1) != 1:  # EXIF orientation, as transformers' load_image applies it
        image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    w, h = image.size
    size = (SIZE, int(SIZE * h / w)) if w <= h else (int(SIZE * w / h), SIZE)
    image = image.resize(size, Image.BICUBIC)
    left, top = (size[0] - SIZE) // 2, (size[1] - SIZE) // 2
    image = image.crop((left, top, left + SIZE, top + SIZE))
    pixels = (np.asarray(image, dtype=np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


S3 = None  # one client per pool process


def init_process():
    global S3
    S3 = aws("s3")


def load(job, draft=True):
    """job = (receipt handle, bucket, key) -> (job, MD5 hex, 3x224x224 float32 array, error or None)."""
    try:
        data = S3.get_object(Bucket=job[1], Key=job[2])["Body"].read()
        return job, hashlib.md5(data).hexdigest(), preprocess(data, draft), None
    except Exception as e:  # a bad picture must not stop the pipeline: reported, and its message deleted
        return job, None, None, repr(e)


def jobs_of(message):
    # S3 puts one record in each notification; a test event has none.
    records = json.loads(message["Body"]).get("Records", [])
    return [(message["ReceiptHandle"], r["s3"]["bucket"]["name"], urllib.parse.unquote_plus(r["s3"]["object"]["key"]))
            for r in records if r.get("eventName", "").startswith("ObjectCreated")]


class Pipeline:
    def __init__(self, args, model, model_name):
        self.args, self.model, self.model_name = args, model, model_name
        self.sqs, self.http = aws("sqs"), urllib3.PoolManager()
        self.opensearch = os.environ["OPENSEARCH_ENDPOINT"].rstrip("/")
        # Keys, not writes: a message that outlives its visibility timeout comes back and is written twice.
        self.indexed, self.failed, self.last_indexed = set(), 0, None
        self.inference_seconds = 0.0
        self.deadline = time.monotonic() + args.timeout

    def busy(self, expected):
        return len(self.indexed) + self.failed < expected and time.monotonic() < self.deadline

    def receive(self, wait):
        return self.sqs.receive_message(QueueUrl=self.args.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=wait).get("Messages", [])

    def delete(self, receipts):
        for i in range(0, len(receipts), 10):
            self.sqs.delete_message_batch(QueueUrl=self.args.queue_url, Entries=[
                {"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(receipts[i:i + 10])])

    def doc(self, job, md5, vector):
        return {"doc": {"image_embedding": vector, "has_image_embedding": True,
                        "image_embedding_model": self.model_name, "image_hash": md5,
                        "image_embedding_updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        "s3_bucket": job[1], "s3_key": job[2], "s3_url": f"s3://{job[1]}/{job[2]}"},
                "doc_as_upsert": True}

    def embed(self, pixels):
        import torch  # imported late on purpose: see bench()
        started = time.monotonic()
        with torch.inference_mode():  # the export hands back float32 unit vectors whatever its precision
            vectors = self.model(torch.from_numpy(np.stack(pixels))).tolist()
        self.inference_seconds += time.monotonic() - started
        return vectors

    def index_batch(self, loaded):
        """Embed, one _bulk, one DeleteMessageBatch; a picture that failed to load is counted and deleted."""
        good = [item for item in loaded if item[3] is None]
        done = [item[0][0] for item in loaded if item[3] is not None]
        self.failed += len(done)
        if good:
            lines = []
            for (job, md5, _, _), vector in zip(good, self.embed([item[2] for item in good])):
                lines += [json.dumps({"update": {"_index": self.args.index, "_id": job[2]}}),
                          json.dumps(self.doc(job, md5, vector))]
            response = json.loads(self.http.request("POST", self.opensearch + "/_bulk", body="\n".join(lines) + "\n",
                                                    headers={"Content-Type": "application/x-ndjson"}).data)
            for (job, _, _, _), item in zip(good, response["items"]):
                if "error" in item["update"]:
                    self.failed += 1  # left on the queue: SQS delivers it again after the visibility timeout
                else:
                    self.indexed.add(job[2])
                    done.append(job[0])
            self.last_indexed = time.monotonic()
        self.delete(done)

    def run(self, pool, expected):
        """Keeps the pool fed (at most 4 batches in flight), embeds and indexes whole batches as they are ready."""
        ready, in_flight, batch = queue.Queue(), 0, []
        while self.busy(expected):
            if in_flight < 4 * self.args.batch:
                for message in self.receive(wait=0 if in_flight else 1):
                    jobs = jobs_of(message)
                    if not jobs:
                        self.delete([message["ReceiptHandle"]])
                    for job in jobs:
                        pool.apply_async(load, (job,), callback=ready.put)
                        in_flight += 1
            try:
                batch.append(ready.get(timeout=0.05))
                in_flight -= 1
                while len(batch) < self.args.batch:
                    batch.append(ready.get_nowait())
                    in_flight -= 1
            except queue.Empty:
                pass
            if len(batch) >= self.args.batch or (batch and in_flight == 0):
                self.index_batch(batch)
                batch = []

    def run_seed(self, expected):
        """One message, one picture, one update, one delete at a time."""
        init_process()
        while self.busy(expected):
            for message in self.receive(wait=1):
                for job in jobs_of(message):
                    job, md5, pixels, error = load(job, draft=False)
                    if error:
                        self.failed += 1
                        continue
                    url = f"{self.opensearch}/{self.args.index}/_update/{urllib.parse.quote(job[2], safe='')}"
                    response = self.http.request("POST", url, body=json.dumps(self.doc(job, md5, self.embed([pixels])[0])),
                                                 headers={"Content-Type": "application/json"})
                    if response.status < 300:
                        self.indexed.add(job[2])
                        self.last_indexed = time.monotonic()
                    else:
                        self.failed += 1
                self.sqs.delete_message(QueueUrl=self.args.queue_url, ReceiptHandle=message["ReceiptHandle"])


def bench(args):
    run = json.load(open(args.bench_json))
    bucket, keys = run["bucket"], run["keys"]
    sqs = aws("sqs")
    name = f"cis-bench-{'seed' if args.seed else 'py'}-{datetime.now():%m%d%H%M%S}"
    args.queue_url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    # The pool is forked before torch is imported, so its processes stay small and never inherit torch's threads.
    pool = None if args.seed else multiprocessing.get_context("fork").Pool(args.processes, init_process)
    try:
        import torch
        # torch's default counts physical cores (1 on a 2-vCPU VM); the worker's inference uses every vCPU.
        torch.set_num_threads(args.torch_threads)
        model = torch.jit.load(args.model).eval()
        model_name = json.load(open(os.path.splitext(args.model)[0] + ".json")).get("model_name", "clip")
        pipeline = Pipeline(args, model, model_name)
        for _ in range(3):  # TorchScript's profiling executor optimises the graph over its first runs
            pipeline.embed([np.zeros((3, SIZE, SIZE), np.float32)] * (1 if args.seed else args.batch))
        pipeline.inference_seconds = 0.0
        # S3's notification JSON, as the worker's bench sends it (its eTag and size too), ten per SendMessageBatch.
        heads = {o["Key"]: o for o in listed(bucket, keys)}
        bodies = [json.dumps({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                           "eventTime": datetime.now(timezone.utc).isoformat(), "s3": {
                                               "bucket": {"name": bucket}, "object": {
                                                   "key": urllib.parse.quote_plus(k, safe="/"), "size": heads[k]["Size"],
                                                   "eTag": heads[k]["ETag"].strip('"')}}}]}) for k in keys]
        start = time.monotonic()
        for i in range(0, len(bodies), 10):
            sqs.send_message_batch(QueueUrl=args.queue_url, Entries=[
                {"Id": str(n), "MessageBody": b} for n, b in enumerate(bodies[i:i + 10])])
        if args.seed:
            pipeline.run_seed(len(keys))
        else:
            pipeline.run(pool, len(keys))
        seconds = (pipeline.last_indexed or time.monotonic()) - start
        indexed = len(pipeline.indexed)
        result = {"leg": "seed" if args.seed else "python", "images_per_second": indexed / seconds,
                  "indexed": indexed, "failed": pipeline.failed, "seconds": seconds,
                  "inference_seconds": pipeline.inference_seconds, "model_file": args.model, "torch_threads": torch.get_num_threads(),
                  "processes": 1 if args.seed else args.processes, "batch": 1 if args.seed else args.batch}
        print(f"{result['leg']}: {indexed / seconds:.1f} images/s ({indexed} of {len(keys)} indexed in "
              f"{seconds:.1f} s, {pipeline.failed} failed, inference {1000 * pipeline.inference_seconds / max(indexed, 1):.0f} ms per image; {result['processes']} process(es) x batch {result['batch']}, "
              f"{os.path.basename(args.model)}, torch threads {result['torch_threads']})", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f)
        return 0 if indexed == len(keys) else 1
    finally:
        if pool:
            pool.terminate()
        sqs.delete_queue(QueueUrl=args.queue_url)
        urllib3.PoolManager().request("DELETE", f"{os.environ['OPENSEARCH_ENDPOINT'].rstrip('/')}/{args.index}")


def listed(bucket, keys):
    """The objects of these keys as ListObjectsV2 gives them (size and ETag)."""
    wanted = set(keys)
    prefix = os.path.commonprefix(keys)
    for page in aws("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from (o for o in page.get("Contents", []) if o["Key"] in wanted)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-json", required=True, help="the worker's `bench run --json` file: bucket and keys")
    parser.add_argument("--model", required=True, help="TorchScript file (model.pt or model-bf16.pt); its .json beside it")
    parser.add_argument("--index", required=True, help="OpenSearch index to update (made beforehand; deleted at the end)")
    parser.add_argument("--seed", action="store_true", help="the seed design: one image at a time, no draft mode")
    parser.add_argument("--processes", type=int, default=2, help="download + decode processes (default 2)")
    parser.add_argument("--batch", type=int, default=8, help="inference batch (default 8)")
    parser.add_argument("--torch-threads", type=int, default=os.cpu_count(), help="inference threads (default: vCPUs)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds (default 1800)")
    parser.add_argument("--json", help="also write the figures here")
    raise SystemExit(bench(parser.parse_args()))
