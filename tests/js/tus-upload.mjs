// Uploads a file to hezuo with the stock tus-js-client and prints one JSON line with the outcome.
// Usage: node tus-upload.mjs <endpoint> <token> <file> <sha256> [chunkSize]
import { readFileSync } from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, token, file, sha256, chunkSize] = process.argv.slice(2);
const data = readFileSync(file);
const progress = [];

const upload = new tus.Upload(data, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { sha256, filename: file.split("/").pop(), filetype: "image/jpeg" },
  chunkSize: chunkSize ? Number(chunkSize) : Infinity,
  retryDelays: [],
  onProgress: (sent) => progress.push(sent),
  onSuccess: () => {
    console.log(JSON.stringify({ ok: true, url: upload.url, bytes: data.length, progress: progress.length }));
  },
  onError: (error) => {
    const status = error.originalResponse ? error.originalResponse.getStatus() : null;
    const body = error.originalResponse ? error.originalResponse.getBody() : null;
    console.log(JSON.stringify({ ok: false, status, body, message: String(error) }));
  },
});
upload.start();
