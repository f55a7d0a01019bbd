// Usage: node fanout-server.mjs <port> <storage-dir> [<seed-dir>]
// The JavaScript sync server bench-fanout compares hezuo with, set up as automerge-repo-sync-server sets up its Repo:
// the WebSocket server adapter, documents stored on disk by the NodeFS adapter, and a share policy that announces
// nothing (clients ask for what they want). With <seed-dir>, it imports every `<documentId>.automerge` file there into
// the storage, flushes and exits; without, it serves until killed and prints {"status":"listening"} once it does.
import { readdir, readFile } from "node:fs/promises"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [port, storageDir, seedDir] = process.argv.slice(2)
const storage = new NodeFSStorageAdapter(storageDir)

if (seedDir) {
  const repo = new Repo({ storage, network: [], sharePolicy: async () => false })
  const ids = []
  for (const file of await readdir(seedDir)) {
    if (!file.endsWith(".automerge")) continue
    const docId = file.slice(0, -".automerge".length)
    repo.import(new Uint8Array(await readFile(`${seedDir}/${file}`)), { docId })
    ids.push(docId)
  }
  await repo.flush(ids)
  console.log(JSON.stringify({ status: "seeded", documents: ids.length }))
  process.exit(0)
}

const socket = new WebSocketServer({ port: Number(port) })
socket.on("listening", () => console.log(JSON.stringify({ status: "listening" })))
new Repo({
  storage,
  network: [new NodeWSServerAdapter(socket)],
  peerId: `sync-server-${port}`,
  sharePolicy: async () => false,
})
