// Usage: node fanout-clients.mjs <config.json>, then commands on stdin, one per line; each prints one JSON line.
// Stock automerge-repo clients reading documents from a sync server, for bench-fanout, which spreads its readers
// over several of these processes. The config holds {"readers": [ws-url, …], "writer": ws-url or null,
// "documents": [documentId, …]}; each reader URL is one client. Times for a push are epoch milliseconds, so that
// processes can be compared.
//   probe             one client alone finds every document: {"event":"probe","first_ms":…,"all_ms":…}
//   crowd             every reader connects at once and finds every document:
//                     {"event":"crowd","first_ms":[…],"all_ms":[…],"failed":n,"errors":[…]}
//   watch <i> <text>  every reader waits for profile.notes of document i to read text: {"event":"watching"} at once,
//                     then {"event":"seen","at_ms":[…],"missed":n} when all have it (or after 20 s)
//   open-writer       the writer connects and opens every document: {"event":"writer-open"}
//   write <i> <text>  the writer sets profile.notes of document i: {"event":"written","at_ms":…}
//   quit              closes every client and exits
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const config = JSON.parse(readFileSync(process.argv[2], "utf8"))
// The stock adapter leaves a socket's "error" event unhandled when a connection fails mid-handshake, which would end
// every client in this process; the client concerned reconnects by itself, so note it and go on.
process.on("uncaughtException", error => console.error(`client error: ${error}`))
const say = value => console.log(JSON.stringify(value))
// A client that has heard the server's "peer" answer. The stock adapter declares itself ready after one second even
// without it, and a find then fails as unavailable: with hundreds of clients in one process that race would measure
// this process, not the server.
const client = url => {
  const repo = new Repo({ network: [new WebSocketClientAdapter(url, 1000)] })
  const connected = new Promise(resolve => repo.networkSubsystem.once("peer", resolve))
  return { repo, connected }
}
const readers = []
let writer

// Connects and finds every document; resolves with the times to the first and to the last, in ms from the call.
async function readAll({ repo, connected }) {
  const began = performance.now()
  await connected
  let first
  const handles = await Promise.all(
    config.documents.map(async id => {
      const handle = await repo.find(id)
      first ??= performance.now() - began
      return handle
    }),
  )
  return { handles, first, all: performance.now() - began }
}

async function probe() {
  const probe = client(config.readers[0])
  const { first, all } = await readAll(probe)
  await probe.repo.shutdown()
  say({ event: "probe", first_ms: first, all_ms: all })
}

async function crowd() {
  const results = await Promise.allSettled(
    config.readers.map(async url => {
      const read = await readAll(client(url))
      readers.push(read.handles)
      return read
    }),
  )
  const done = results.filter(r => r.status === "fulfilled").map(r => r.value)
  say({
    event: "crowd",
    first_ms: done.map(r => r.first),
    all_ms: done.map(r => r.all),
    failed: results.length - done.length,
    errors: [...new Set(results.filter(r => r.status === "rejected").map(r => String(r.reason)))].slice(0, 3),
  })
}

const epochMs = () => performance.timeOrigin + performance.now()

// Answers at once; the readers' times follow when all have the text.
function watch(index, text) {
  const at = []
  const seen = readers.map(
    handles =>
      new Promise(resolve => {
        const reader = handles[index]
        const check = () => {
          if (reader.doc()?.profile?.notes?.toString() === text) {
            reader.off("change", check)
            at.push(epochMs())
            resolve()
          }
        }
        reader.on("change", check)
      }),
  )
  Promise.race([Promise.all(seen), new Promise(resolve => setTimeout(resolve, 20000))]).then(() =>
    say({ event: "seen", at_ms: at, missed: readers.length - at.length }),
  )
  say({ event: "watching" })
}

// automerge-repo holds a document's local changes back for its sync throttle (100 ms) counted from when the document
// was opened, unless a message from the server comes first: a change made the moment a document opens would measure
// that pause. A person edits a document some time after opening it, so the writer opens them all beforehand.
async function openWriter() {
  writer = client(config.writer)
  const { handles } = await readAll(writer)
  writer.handles = handles
  await new Promise(resolve => setTimeout(resolve, 200))
  say({ event: "writer-open" })
}

async function write(index, text) {
  const handle = writer.handles[index]
  const at = epochMs()
  handle.change(doc => {
    doc.profile.notes = text
  })
  say({ event: "written", at_ms: at })
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...rest] = line.trim().split(" ")
  try {
    if (command === "probe") await probe()
    else if (command === "crowd") await crowd()
    else if (command === "watch") watch(Number(rest[0]), rest.slice(1).join(" "))
    else if (command === "open-writer") await openWriter()
    else if (command === "write") await write(Number(rest[0]), rest.slice(1).join(" "))
    else if (command === "quit") break
  } catch (error) {
    say({ event: "error", error: String(error) })
  }
}
process.exit(0)
