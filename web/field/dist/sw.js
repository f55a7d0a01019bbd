// The field app's service worker: keeps the app shell (this build's files) so the app opens with no network, and
// answers every page of the app with its one page. Data never passes through here: documents and photos live in
// IndexedDB, and API calls go to the network as they are.
const VERSION = '19a61d1d9e2a9caa'
const SHELL = ["/field/","/field/assets/CoopPage-Br1B258S.js","/field/assets/Outbox-nzmKsTqL.js","/field/assets/Settings-DAlTPHRc.js","/field/assets/VisitEdit-DjzZvJ8q.css","/field/assets/VisitEdit-DpCQKTzL.js","/field/assets/automerge-LjMxZKTS.wasm","/field/assets/index-CnaIsJ5t.css","/field/assets/index-DXnhDAPe.js","/field/assets/index-DiUa6cmn.js","/field/assets/index-LiU5415U.css","/field/assets/visitForm-DDimJI2k.js","/field/icon.svg","/field/manifest.webmanifest"]
const CACHE = `hezuo-field-${VERSION}`

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(SHELL)))
})

self.addEventListener('activate', event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith('hezuo-field-') && k !== CACHE).map(k => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('message', event => {
  if (event.data === 'activate') self.skipWaiting()
})

self.addEventListener('fetch', event => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/field/')) return
  if (event.request.mode === 'navigate') {
    event.respondWith(caches.match('/field/').then(page => page ?? fetch(event.request)))
    return
  }
  event.respondWith(caches.match(url.pathname).then(hit => hit ?? fetch(event.request)))
})
