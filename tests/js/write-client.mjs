// Usage: node write-client.mjs <ws-url> <documentId> <profile-field> <value> <timeout-ms>
// A stock automerge-repo client that writes one profile field the way any JavaScript app would (a plain string, which
// automerge 3 stores as a text object), prints {"status":"written","actor":"<hex>"} and stays connected so the change
// reaches the server; it exits at the timeout or when stdin closes.
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import * as Automerge from "@automerge/automerge"

const [url, documentId, field, value, timeoutMs] = process.argv.slice(2)
const finish = (result, code) => {
  console.log(JSON.stringify(result))
  process.exit(code)
}
setTimeout(() => finish({ status: "timeout" }, 2), Number(timeoutMs ?? 15000))
process.stdin.on("end", () => process.exit(0))
process.stdin.resume()

const repo = new Repo({ network: [new WebSocketClientAdapter(url, 1000)] })
try {
  const handle = await repo.find(documentId)
  handle.change(doc => {
    doc.profile[field] = value
  })
  console.log(JSON.stringify({ status: "written", actor: Automerge.getActorId(handle.doc()) }))
} catch (error) {
  finish({ status: "unavailable", error: String(error) }, 3)
}
