// Usage: node sync-client.mjs <ws-url> <documentId> <visits-expected> <timeout-ms>
// Finds the document through hezuo's WebSocket endpoint with stock automerge-repo packages and prints one JSON line:
// {"status":"ok","visits":n,...} once the document holds the expected number of visits, or "unavailable"/"timeout".
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, documentId, expected, timeoutMs] = process.argv.slice(2)
const finish = (result, code) => {
  console.log(JSON.stringify(result))
  process.exit(code)
}
setTimeout(() => finish({ status: "timeout" }, 2), Number(timeoutMs ?? 15000))

const repo = new Repo({ network: [new WebSocketClientAdapter(url, 1000)] })
try {
  const handle = await repo.find(documentId)
  const check = () => {
    const doc = handle.doc()
    const visits = Object.keys(doc?.visits ?? {}).length
    if (visits >= Number(expected)) {
      finish({ status: "ok", visits, cooperative_id: doc.cooperative_id, notes: Object.values(doc.visits).map(v => v.notes) }, 0)
    }
  }
  check()
  handle.on("change", check)
} catch (error) {
  finish({ status: "unavailable", error: String(error) }, 3)
}
